"""``Tensor``: an ``np.ndarray`` that remembers how it was computed.

A Tensor made by an op on tensors that require grad carries ``grad_fn``, the
recorded node; ``backward()`` walks those nodes from the output back to the
leaves and fills each leaf's ``.grad``.
"""
import warnings

import numpy as np

from . import autograd, engine
from .grad_mode import is_grad_enabled
from .ops import elementwise as E
from .ops import matmul as M
from .ops import reduce as R
from .ops import shape as S


def _to_array(data, dtype):
    """Convert user data to an array: Python floats become float32, as in PyTorch."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray):
        arr = data if dtype is None else data.astype(dtype, copy=False)
    elif isinstance(data, np.generic):
        arr = np.asarray(data, dtype=dtype)
    else:
        try:
            arr = np.asarray(data, dtype=dtype)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"tensor(data): could not convert {type(data).__name__} to an "
                            f"array of numbers: {exc}") from None
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(np.float32)
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor(data): unsupported dtype {arr.dtype} (from {type(data).__name__}); "
            "expected a floating point, integer or boolean array")
    return arr


class Tensor:
    """An n-dimensional array with reverse-mode autodiff.

    Args:
        data: array-like. Python floats (and lists of them) become float32;
            Python ints stay int64; an ``np.ndarray`` keeps its dtype and is
            shared, not copied (``tinygrad_book.tensor`` copies).
        requires_grad: record ops on this tensor so ``backward`` reaches it.
            Only floating point tensors can require grad.
        dtype: NumPy dtype to convert to.
        name: label shown by ``draw_graph``.
    """

    __slots__ = ("data", "grad", "_requires_grad", "grad_fn", "_output_nr", "_name",
                 "_hooks", "__weakref__")
    # NumPy defers to our reflected operators (array + tensor -> Tensor).
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._name = name
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data, requires_grad, grad_fn, output_nr):
        """Fast internal constructor: no conversion, no checks."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._name = None
        t._hooks = None
        return t

    # -- autograd attributes ---------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, got dtype "
                f"{self.data.dtype}; convert first, e.g. t.float()")
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf tensor; use .detach() "
                f"to cut this tensor (made by {self.grad_fn.name()}) out of the graph")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place; returns ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors the user made (no ``grad_fn``); their ``.grad`` is filled."""
        return self.grad_fn is None

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value
        if self.grad_fn is not None:
            names = self.grad_fn.output_names
            if names is None:
                names = self.grad_fn.output_names = [None] * len(self.grad_fn.output_meta)
            names[self._output_nr] = value

    def backward(self, gradient=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` (same shape as ``self``) is required unless ``self`` has one
        element. ``retain_graph`` keeps saved arrays for another backward;
        ``create_graph`` records the backward pass itself for higher-order grads.
        """
        if not self._requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn; make "
                "its inputs with requires_grad=True (and not under no_grad())")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for outputs with one "
                    f"element, but this tensor has shape {self.shape}; pass gradient= of that "
                    "shape (or reduce it, e.g. .sum())")
            gradient = Tensor._make(np.ones(self.shape, dtype=self.dtype), False, None, 0)
        else:
            gradient = _check_root_gradient(gradient, self, "backward()")
        engine.run_backward([self], [gradient], retain_graph=retain_graph or create_graph,
                            create_graph=create_graph)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always do)."""
        if self.grad_fn is None:
            return
        if not self._requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad")
        import weakref

        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        A hook may return a new gradient to use instead. Returns a handle whose
        ``remove()`` unregisters it.
        """
        if not self._requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that "
                               "does not require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._output_hooks is None:
                node._output_hooks = {}
            hooks = node._output_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def detach(self):
        """A new leaf sharing this tensor's data, cut out of the graph."""
        return Tensor._make(self.data, False, None, 0)

    def detach_(self):
        """Cut this tensor out of the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- array attributes ------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        return _format_tensor(self)

    def _repr_svg_(self):
        """Jupyter: draw the graph that produced this tensor (small graphs only)."""
        if self.grad_fn is None:
            return None
        try:
            from .viz import draw_graph

            return draw_graph(self)._repr_image_svg_xml()
        except Exception:
            return None

    # -- dtype conversion --------------------------------------------------------
    def astype(self, dtype):
        """Convert to ``dtype`` (differentiable between float types)."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        return E.Cast.apply(self, dtype)

    def to(self, dtype):
        return self.astype(dtype)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def clone(self):
        """A differentiable copy in new memory."""
        return E.Clone.apply(self)

    # -- arithmetic --------------------------------------------------------------
    def __add__(self, other):
        return _binary(E.Add, self, other)

    def __radd__(self, other):
        return _binary(E.Add, self, other, reflected=True)

    def __sub__(self, other):
        return _binary(E.Sub, self, other)

    def __rsub__(self, other):
        return _binary(E.Sub, self, other, reflected=True)

    def __mul__(self, other):
        return _binary(E.Mul, self, other)

    def __rmul__(self, other):
        return _binary(E.Mul, self, other, reflected=True)

    def __truediv__(self, other):
        return _binary(E.Div, self, other)

    def __rtruediv__(self, other):
        return _binary(E.Div, self, other, reflected=True)

    def __pow__(self, other):
        return _binary(E.Pow, self, other)

    def __rpow__(self, other):
        return _binary(E.Pow, self, other, reflected=True)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return E.Abs.apply(self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    matmul = __matmul__
    neg = __neg__

    def exp(self):
        return E.Exp.apply(_floating(self))

    def log(self):
        return E.Log.apply(_floating(self))

    def sqrt(self):
        return E.Sqrt.apply(_floating(self))

    def abs(self):
        return E.Abs.apply(self)

    def sin(self):
        return E.Sin.apply(_floating(self))

    def cos(self):
        return E.Cos.apply(_floating(self))

    def tanh(self):
        return E.Tanh.apply(_floating(self))

    def sigmoid(self):
        return E.Sigmoid.apply(_floating(self))

    def relu(self):
        return E.ReLU.apply(self)

    def square(self):
        return E.Mul.apply(self, self)

    def clamp(self, min=None, max=None):
        """Limit values to [min, max]; the gradient is 0 outside, as PyTorch."""
        if min is None and max is None:
            raise ValueError("clamp(): at least one of min and max must be given")
        return E.Clamp.apply(self, lo=min, hi=max)

    clip = clamp

    def maximum(self, other):
        return _binary(E.Maximum, self, other)

    def minimum(self, other):
        return _binary(E.Minimum, self, other)

    # -- comparisons: boolean tensors, outside the graph ---------------------------
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._make(np.asarray(op(self.data, other)), False, None, 0)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def any(self):
        return bool(self.data.any())

    def all(self):
        return bool(self.data.all())

    # -- reductions ----------------------------------------------------------------
    def sum(self, axis=None, keepdims=False, dim=None):
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "sum")
        return R.Sum.apply(self, axis=axes, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False, dim=None):
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "mean")
        return R.Mean.apply(_floating(self), axis=axes, keepdims=keepdims)

    def max(self, axis=None, keepdims=False, dim=None):
        """Largest values over ``axis`` (values only, as NumPy; see ``argmax``)."""
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "max")
        return R.Max.apply(self, axis=axes, keepdims=keepdims)

    def min(self, axis=None, keepdims=False, dim=None):
        """Smallest values over ``axis`` (values only, as NumPy; see ``argmin``)."""
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "min")
        return R.Min.apply(self, axis=axes, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False, dim=None):
        axis = _axis_arg(axis, dim)
        return Tensor._make(np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdims)),
                            False, None, 0)

    def argmin(self, axis=None, keepdims=False, dim=None):
        axis = _axis_arg(axis, dim)
        return Tensor._make(np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdims)),
                            False, None, 0)

    def var(self, axis=None, keepdims=False, correction=1, dim=None, unbiased=None, ddof=None):
        """Variance over ``axis``; ``correction=1`` (PyTorch's default) divides by n - 1.

        ``unbiased=False`` or NumPy's ``ddof=0`` divide by n.
        """
        if unbiased is not None:
            correction = 1 if unbiased else 0
        if ddof is not None:
            correction = ddof
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "var")
        n = int(np.prod([self.shape[i] for i in axes])) if axes else 1
        dof = n - correction
        if dof <= 0:
            # PyTorch's behaviour: divide by max(dof, 0) and warn, giving inf/nan.
            warnings.warn(f"var(): degrees of freedom is <= 0 (n={n} elements, "
                          f"correction={correction}); the result is inf or nan",
                          RuntimeWarning, stacklevel=2)
        centred = self - self.mean(axis=axes, keepdims=True)
        squares = (centred * centred).sum(axis=axes, keepdims=keepdims)
        if dof > 0:
            return squares / dof
        with np.errstate(divide="ignore", invalid="ignore"):
            return squares / 0

    def std(self, axis=None, keepdims=False, correction=1, dim=None, unbiased=None, ddof=None):
        """Standard deviation: the square root of ``var`` with the same arguments."""
        return self.var(axis, keepdims, correction, dim, unbiased, ddof).sqrt()

    def logsumexp(self, axis=None, keepdims=False, dim=None):
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "logsumexp")
        return R.LogSumExp.apply(_floating(self), axis=axes, keepdims=keepdims)

    # -- shape ops ---------------------------------------------------------------
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
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer dimensions {shape}")
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
        value = value.data if isinstance(value, Tensor) else value
        index = _index_arg(index)
        try:
            self.data[index] = value
        except (IndexError, ValueError, TypeError) as exc:
            raise type(exc)(f"cannot assign {_short_repr(value)} to index "
                            f"{_short_repr(index)} of a tensor of shape {self.shape}: "
                            f"{exc}") from None

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

    # -- in-place updates (for optimizers and init, under no_grad) ---------------
    def _check_inplace(self, op):
        if is_grad_enabled() and (self._requires_grad or self.grad_fn is not None):
            raise RuntimeError(
                f"{op}: an in-place change of a tensor that requires grad would corrupt "
                "the graph; wrap it in tinygrad_book.no_grad()")

    def _set(self, result):
        np.copyto(self.data, result, casting="same_kind")
        return self

    def zero_(self):
        self._check_inplace("zero_()")
        self.data[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace("fill_()")
        self.data[...] = _data(value)
        return self

    def copy_(self, src):
        self._check_inplace("copy_()")
        return self._set(np.broadcast_to(_data(src), self.shape))

    def add_(self, other, alpha=1):
        self._check_inplace("add_()")
        other = _data(other)
        if alpha != 1:
            other = other * alpha
        self.data += other
        return self

    def sub_(self, other, alpha=1):
        return self.add_(other, alpha=-alpha)

    def mul_(self, other):
        self._check_inplace("mul_()")
        self.data *= _data(other)
        return self

    def div_(self, other):
        self._check_inplace("div_()")
        self.data /= _data(other)
        return self

    def addcmul_(self, t1, t2, value=1):
        """self += value * t1 * t2."""
        self._check_inplace("addcmul_()")
        prod = _data(t1) * _data(t2)
        self.data += prod * value if value != 1 else prod
        return self

    def addcdiv_(self, t1, t2, value=1):
        """self += value * t1 / t2."""
        self._check_inplace("addcdiv_()")
        quot = _data(t1) / _data(t2)
        self.data += quot * value if value != 1 else quot
        return self

    def lerp_(self, end, weight):
        """self += weight * (end - self)."""
        self._check_inplace("lerp_()")
        self.data += (_data(end) - self.data) * _data(weight)
        return self

    def clamp_(self, min=None, max=None):
        self._check_inplace("clamp_()")
        np.clip(self.data, min, max, out=self.data)
        return self

    def sqrt_(self):
        self._check_inplace("sqrt_()")
        np.sqrt(self.data, out=self.data)
        return self

    def maximum_(self, other):
        self._check_inplace("maximum_()")
        np.maximum(self.data, _data(other), out=self.data)
        return self


autograd._bind_tensor(Tensor)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _floating(t):
    """``t`` itself if it is floating point, else converted to float32 (PyTorch's
    default dtype) for the maths functions NumPy would compute in float64."""
    if t.data.dtype.kind == "f":
        return t
    return Tensor._make(t.data.astype(np.float32), False, None, 0)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def as_operand(x, like):
    """``x`` as a Tensor to combine with the Tensor ``like`` (a constant unless it is one).

    Numbers (Python's and NumPy's scalars) are "weak", as in PyTorch: they take
    ``like``'s dtype when they fit its kind, so ``x * 2.0`` stays float32 and
    ``n * 2`` stays int; a float with an integer tensor gives float32 (PyTorch's
    default dtype). Arrays keep their own dtype.
    """
    if isinstance(x, Tensor):
        return x
    return Tensor._make(_operand_array(x, like), False, None, 0)


def _operand_array(x, like):
    """The array ``as_operand`` wraps (op arguments may be plain arrays: constants)."""
    if isinstance(x, _SCALARS):
        dtype = like.data.dtype
        kind = dtype.kind
        if kind == "f":
            return np.asarray(x, dtype=dtype)
        if isinstance(x, _FLOATS):
            return np.asarray(x, dtype=np.float32)
        if kind != "b" and not isinstance(x, _BOOLS):
            return np.asarray(x, dtype=dtype)
        return np.asarray(x)
    if isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"complex numbers are not supported (got {x!r})")
    arr = x if isinstance(x, np.ndarray) else _to_array(x, None)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"unsupported operand of dtype {arr.dtype}; expected numbers")
    return arr


_FLOATS = (float, np.floating)
_BOOLS = (bool, np.bool_)
_SCALARS = (int, float, np.integer, np.floating, np.bool_)


def _binary(fn, t, other, reflected=False):
    """``t (op) other`` (``other (op) t`` if reflected) after PyTorch's type promotion.

    Same-kind operands follow NumPy (float32 with float64 gives float64); an
    integer or boolean operand meeting a float one takes the float's dtype
    (NumPy would make int64 * float32 float64); true division of integers
    gives float32. A non-Tensor operand enters the op as a plain array: a
    constant, with no node of its own.
    """
    if isinstance(other, Tensor):
        d_other = other.data.dtype
    else:
        other = _operand_array(other, t)
        d_other = other.dtype
    d_t = t.data.dtype
    if d_t is not d_other or (fn is E.Div and d_t.kind != "f"):
        if reflected:
            other, t = _promote(other, t, d_other, d_t, fn is E.Div)
        else:
            t, other = _promote(t, other, d_t, d_other, fn is E.Div)
    return fn.apply(other, t) if reflected else fn.apply(t, other)


def _promote(a, b, da, db, true_divide):
    float_a, float_b = da.kind == "f", db.kind == "f"
    if float_a and not float_b:
        b = _cast_constant(b, da)
    elif float_b and not float_a:
        a = _cast_constant(a, db)
    elif true_divide and not float_a:
        a, b = _cast_constant(a, np.float32), _cast_constant(b, np.float32)
    return a, b


def _constant(arr):
    return Tensor._make(arr, False, None, 0)


def _cast_constant(x, dtype):
    # Only integer and boolean operands are converted, and those never require grad.
    return (x.data if isinstance(x, Tensor) else x).astype(dtype)


def _axis_arg(axis, dim):
    """PyTorch's ``dim=`` and NumPy's ``axis=`` name the same thing; ``dim`` wins if given."""
    return axis if dim is None else dim


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
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(item):
    if isinstance(item, Tensor):
        return item.data
    if isinstance(item, list):
        arr = np.asarray(item)
        # An empty list selects nothing; NumPy would read it as a float array.
        return arr.astype(np.intp) if arr.size == 0 else arr
    return item


def _short_repr(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _check_root_gradient(gradient, output, where):
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=output.dtype))
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"{where}: gradient has shape {gradient.shape} but the output has shape "
            f"{output.shape}; they must match")
    # Copy: the user's array must never become (part of) a leaf's .grad.
    data = gradient.data.astype(output.dtype, copy=True)
    if gradient.requires_grad:
        return gradient if gradient.dtype == output.dtype else gradient.astype(output.dtype)
    return Tensor._make(data, False, None, 0)


# -- functions on tensors -------------------------------------------------------------

def matmul(a, b):
    """Matrix product with NumPy's rules for 1-D and batched operands."""
    if not isinstance(a, Tensor):
        a = as_operand(a, b)
    if not isinstance(b, Tensor):
        b = as_operand(b, a)
    M.check_matmul_shapes(a.shape, b.shape)
    if a.dtype.kind != b.dtype.kind:
        a, b = (x if isinstance(x, Tensor) else _constant(x)
                for x in _promote(a, b, a.dtype, b.dtype, False))
    squeeze_first = a.ndim == 1
    squeeze_last = b.ndim == 1
    if squeeze_first:
        a = a.reshape(1, a.shape[0])
    if squeeze_last:
        b = b.reshape(b.shape[0], 1)
    out = M.MatMul.apply(a, b)
    if squeeze_first and squeeze_last:
        return out.reshape(())
    if squeeze_first:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if squeeze_last:
        return out.reshape(out.shape[:-1])
    return out


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


concatenate = cat


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


def where(cond, a, b):
    return E.where(cond, a, b)


def maximum(a, b):
    a = a if isinstance(a, Tensor) else as_operand(a, b)
    return a.maximum(b)


def minimum(a, b):
    a = a if isinstance(a, Tensor) else as_operand(a, b)
    return a.minimum(b)


def _common_dtype(tensors):
    """Integer or boolean tensors joined with float ones take the floats' dtype
    (as in the binary ops); NumPy alone would make int64 with float32 float64."""
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    if not floats or len(floats) == len(tensors):
        return tensors
    target = np.result_type(*floats)
    return [t if t.data.dtype.kind == "f" else _constant(t.data.astype(target)) for t in tensors]


def _tensor_list(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def _format_tensor(t):
    """PyTorch's layout: ``tensor([1.0000, 2.5000], dtype=float64, grad_fn=<MulBackward>)``."""
    data = t.data
    extras = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            extras.append(f"size={data.shape}")
    else:
        options = {"separator": ", ", "prefix": "tensor(", "threshold": 1000, "edgeitems": 3}
        if data.dtype.kind == "f":
            options["formatter"] = {"float_kind": _float_formatter(data)}
        body = np.array2string(data, **options)
    if data.dtype not in (np.float32, np.int64, np.bool_):
        extras.append(f"dtype={data.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


def _float_formatter(data):
    """Like PyTorch: ``1.`` for whole numbers, 4 decimals, or scientific for wide ranges."""
    finite = data[np.isfinite(data)].astype(np.float64)
    magnitude = np.abs(finite[finite != 0])
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        fmt = "{:.0f}."
    elif magnitude.size and (magnitude.max() / magnitude.min() > 1000 or magnitude.max() > 1e8
                             or magnitude.min() < 1e-4):
        fmt = "{:.4e}"
    else:
        fmt = "{:.4f}"

    def text(v):
        return fmt.format(v) if np.isfinite(v) else str(v)

    # Every entry gets the width of the widest, so columns line up.
    extremes = [finite.min(), finite.max()] if finite.size else []
    if magnitude.size:
        extremes += [magnitude.min(), magnitude.max()]
    width = max([len(text(v)) for v in extremes] + [len(text(v)) for v in
                                                    data[~np.isfinite(data)][:1]] + [1])
    if np.isneginf(data).any():
        width = max(width, 4)
    return lambda v: text(v).rjust(width)
