"""Shape ops as Tensor methods and functions: reshape, permute, indexing, cat, pad...

They validate their arguments (an error names the shapes and what was
expected) and then apply the ops in ``ops/shape.py``, which only move values.
"""
import numpy as np

from . import tensor as _tensor
from .grad_mode import is_grad_enabled
from .ops import reduce as R
from .ops import shape as S
from .tensor_reduce import _axis_arg


class ShapeMethods:
    """Mixed into :class:`~tinygrad_book.tensor.Tensor`."""

    __slots__ = ()

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        try:
            new_shape = _resolve_reshape(self.shape, shape)
        except ValueError as exc:
            raise ValueError(f"reshape: {exc}") from None
        if new_shape == self.shape:
            return self
        return S.Reshape.apply(self, new_shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge axes ``start_dim..end_dim`` (inclusive) into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start = R.normalize_axis(start_dim, self.ndim, "flatten")[0]
        end = R.normalize_axis(end_dim, self.ndim, "flatten")[0]
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = int(np.prod(self.shape[start:end + 1]))
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def permute(self, *axes):
        """Reorder the axes: output axis i is input axis ``axes[i]``."""
        axes = _shape_arg(axes)
        n = self.ndim
        if len(axes) != n or any(not -max(n, 1) <= a < max(n, 1) for a in axes) or \
                sorted(a % max(n, 1) for a in axes) != list(range(n)):
            raise ValueError(f"permute: {axes} is not a permutation of the {n} "
                             f"axes of a tensor of shape {self.shape}")
        axes = tuple(a % n for a in axes) if n else ()
        if axes == tuple(range(n)):
            return self
        return S.Permute.apply(self, axes)

    def transpose(self, dim0=-2, dim1=-1):
        """Swap two axes (PyTorch's ``transpose(dim0, dim1)``)."""
        if self.ndim < 2:
            # Nothing to swap; but an axis given explicitly must still exist.
            if (dim0, dim1) != (-2, -1):
                R.normalize_axis(dim0, self.ndim, "transpose")
                R.normalize_axis(dim1, self.ndim, "transpose")
            return self
        axes = list(range(self.ndim))
        d0, d1 = R.normalize_axis(dim0, self.ndim, "transpose")[0], \
            R.normalize_axis(dim1, self.ndim, "transpose")[0]
        axes[d0], axes[d1] = axes[d1], axes[d0]
        return self.permute(*axes)

    swapaxes = transpose

    def squeeze(self, axis=None, dim=None):
        axis = _axis_arg(axis, dim)
        if axis is None:
            shape = tuple(s for s in self.shape if s != 1)
        else:
            axes = R.normalize_axis(axis, self.ndim, "squeeze")
            shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        return self.reshape(shape)

    def unsqueeze(self, axis=None, dim=None):
        axis = _axis_arg(axis, dim)
        if axis is None:
            raise TypeError("unsqueeze() missing the axis (dim) to insert")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"unsqueeze: axis must be an int, got {axis!r}")
        if not -self.ndim - 1 <= axis <= self.ndim:
            raise ValueError(f"unsqueeze: axis {axis} is out of range for a tensor of "
                             f"{self.ndim} dimensions (expected {-self.ndim - 1}..{self.ndim})")
        axis = axis % (self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def expand(self, *shape):
        """Broadcast to ``shape`` (-1 keeps a dimension), without copying."""
        shape = _shape_arg(shape)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer dimensions "
                             f"{shape}")
        shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                      for i, s in enumerate(shape))
        try:
            np.broadcast_shapes(self.shape, shape)
        except ValueError:
            raise ValueError(f"expand: shape {self.shape} cannot be broadcast to {shape}") from None
        if shape == self.shape:
            return self
        return S.Expand.apply(self, shape)

    def broadcast_to(self, shape):
        return self.expand(shape)

    def __getitem__(self, index):
        """NumPy indexing: ints, slices (with steps), None, Ellipsis, integer arrays
        (repeats allowed: their gradients add up) and boolean masks."""
        index = _index_arg(index)
        try:
            # IndexError comes from forward, before anything is recorded.
            return S.GetItem.apply(self, index)
        except IndexError as exc:
            raise IndexError(f"index {_short_repr(index)} is invalid for a tensor of shape "
                             f"{self.shape}: {exc}") from None

    def __setitem__(self, index, value):
        """In-place assignment, for data preparation and ``no_grad`` updates only."""
        if is_grad_enabled() and (self._requires_grad or self.grad_fn is not None):
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt the "
                "graph; do it under tinygrad_book.no_grad() or on .data")
        value = value.data if isinstance(value, _tensor.Tensor) else value
        index = _index_arg(index)
        try:
            self.data[index] = value
        except (IndexError, ValueError, TypeError) as exc:
            # NumPy raises subclasses (e.g. casting errors) that take other arguments.
            kind = next(k for k in (IndexError, TypeError, ValueError) if isinstance(exc, k))
            raise kind(f"cannot assign {_short_repr(value)} to index {_short_repr(index)} "
                       f"of a tensor of shape {self.shape}: {exc}") from None

    def split(self, split_size_or_sections, axis=0, dim=None):
        return split(self, split_size_or_sections, _axis_arg(axis, dim) or 0)

    def chunk(self, chunks, axis=0, dim=None):
        """Split into ``chunks`` pieces of equal length (the last may be shorter)."""
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "chunk")[0]
        size = max(-(-self.shape[axis] // chunks), 1)
        return split(self, size, axis)

    def pad(self, pad_width, value=0.0):
        return pad(self, pad_width, value)


def cat(tensors, axis=0, dim=None):
    """Join tensors along an existing ``axis``."""
    tensors = _tensor_list(tensors, "cat")
    axis = R.normalize_axis(_axis_arg(axis, dim), tensors[0].ndim, "cat")[0]
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != len(ref) or t.shape[:axis] + t.shape[axis + 1:] != ref[:axis] + ref[axis + 1:]:
            raise ValueError(f"cat: tensor {i} has shape {t.shape}, which does not match "
                             f"tensor 0's shape {ref} outside axis {axis}")
    return S.Concatenate.apply(*_common_dtype(tensors), axis=axis)


def stack(tensors, axis=0, dim=None):
    """Stack tensors of equal shape along a new ``axis``."""
    tensors = _tensor_list(tensors, "stack")
    axis = _axis_arg(axis, dim)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has "
                             f"{tensors[0].shape}; all must be equal")
    n = tensors[0].ndim + 1
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -n <= axis < n:
        raise ValueError(f"stack: axis {axis!r} is out of range for stacking tensors of "
                         f"{n - 1} dimensions (expected an int, -{n} <= axis < {n})")
    axis = int(axis) % n
    return S.Stack.apply(*_common_dtype(tensors), axis=axis)


def split(t, split_size_or_sections, axis=0):
    """Split into chunks of ``split_size`` (last may be smaller) or of the given sizes."""
    axis = R.normalize_axis(axis, t.ndim, "split")[0]
    n = t.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0
               for s in sizes):
            raise ValueError(f"split: sections must be non-negative ints, got {sizes}")
        if sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} sum to {sum(sizes)} but axis {axis} "
                             f"has length {n}")
    out, start = [], 0
    for size in sizes:
        out.append(t[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(out)


def pad(t, pad_width, value=0.0):
    """Constant padding, with NumPy's ``pad_width``.

    ``pad_width`` is an int (the same before and after every axis), a pair
    ``(before, after)`` for every axis, or one pair per axis; all non-negative.
    (This is NumPy's convention, not ``torch.nn.functional.pad``'s last-axis-first list.)
    """
    def invalid(why):
        return ValueError(f"pad: pad_width {_short_repr(pad_width)} {why}; expected an int, a "
                          f"(before, after) pair, or one pair for each of the {t.ndim} axes "
                          f"of shape {t.shape}")

    try:
        width = np.asarray(pad_width)
    except ValueError:
        raise invalid("is ragged") from None
    if width.size == 0:
        width = width.astype(np.int64)
    if width.dtype.kind not in "iu":
        raise invalid(f"has non-integer entries ({width.dtype})")
    if width.ndim > 2 or (width.ndim >= 1 and width.shape[-1] != 2) or \
            (width.ndim == 2 and width.shape[0] not in (1, t.ndim)):
        raise invalid(f"has shape {width.shape}")
    if (width < 0).any():
        raise invalid("has negative entries")
    width = np.broadcast_to(width.astype(np.int64), (t.ndim, 2))
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise TypeError(f"pad: value must be a number, got {type(value).__name__}")
    return S.Pad.apply(t, tuple(map(tuple, width.tolist())), value=value)


def _common_dtype(tensors):
    """Integer or boolean tensors joined with float ones take the floats' dtype
    (as in the binary ops); NumPy alone would make int64 with float32 float64."""
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    if not floats or len(floats) == len(tensors):
        return tensors
    target = np.result_type(*floats)
    return [t if t.data.dtype.kind == "f" else _tensor._constant(t.data.astype(target))
            for t in tensors]


def _tensor_list(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return [t if isinstance(t, _tensor.Tensor) else _tensor.Tensor(t) for t in tensors]


def _shape_arg(shape):
    """Accept both f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"shape entries must be ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def _resolve_reshape(old, new):
    size = int(np.prod(old))
    unknown = [i for i, s in enumerate(new) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in new):
        raise ValueError(f"invalid shape {new}: at most one -1 and no other negative sizes")
    known = int(np.prod([s for s in new if s != -1]))
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape a tensor of shape {old} ({size} elements) "
                             f"into {new}")
        new = tuple(size // known if s == -1 else s for s in new)
    elif known != size:
        raise ValueError(f"cannot reshape a tensor of shape {old} ({size} elements) into "
                         f"shape {new} ({known} elements)")
    return tuple(new)


def _index_arg(index):
    """Replace Tensors (and lists, as NumPy reads them) inside an index by arrays."""
    if isinstance(index, _tensor.Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(item):
    if isinstance(item, _tensor.Tensor):
        return item.data
    if isinstance(item, list):
        arr = np.asarray(item)
        # An empty list selects nothing; NumPy would read it as a float array.
        return arr.astype(np.intp) if arr.size == 0 else arr
    return item


def _short_repr(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
