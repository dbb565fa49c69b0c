"""Joining and padding: cat, stack, split, chunk, pad.

``cat``/``stack`` join tensors and slice the gradient back into pieces;
``pad`` adds a constant border and crops it off the gradient. ``split`` and
``chunk`` are indexing, so they need no Function of their own.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import checks, registry
from ..autograd import Function
from ..checks import DimensionError
from ..registry import tensor_method
from .front import dim_arg, pick
from .subscript import short_repr

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import Dim
    from tinygrad_book.tensor import Tensor


class Concatenate(Function):
    """Tensors joined along ``axis``; the gradient is sliced back into pieces."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.axis + (slice(start, start + size),)
            grads.append(g[index])
            start += size
        return tuple(grads)


def cat(tensors: Sequence[Tensor], axis: int = 0, dim: Dim = None) -> Tensor:
    """Join tensors along an existing ``axis``."""
    tensors = _tensor_list(tensors, "cat")
    axis = dim_arg(pick(dim, axis), tensors[0].ndim, "cat", "axis")
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != len(ref) or t.shape[:axis] + t.shape[axis + 1:] != ref[:axis] + ref[axis + 1:]:
            raise ValueError(f"cat: tensor {i} has shape {t.shape}, which does not match "
                             f"tensor 0's shape {ref} outside axis {axis}")
    return Concatenate.apply(*_common_dtype(tensors), axis=axis)


class Stack(Function):
    """Tensors of one shape stacked along a new ``axis``."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.count = len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return tuple(g[(slice(None),) * ctx.axis + (i,)] for i in range(ctx.count))


def stack(tensors: Sequence[Tensor], axis: int = 0, dim: Dim = None) -> Tensor:
    """Stack tensors of equal shape along a new ``axis``."""
    tensors = _tensor_list(tensors, "stack")
    axis = pick(dim, axis)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has "
                             f"{tensors[0].shape}; all must be equal")
    n = tensors[0].ndim + 1
    if not checks.is_int(axis):
        raise TypeError(f"stack: axis must be an int, got {axis!r}")
    if not -n <= axis < n:
        raise DimensionError(f"stack: axis {axis!r} is out of range for stacking tensors of "
                             f"{n - 1} dimensions (expected -{n} <= axis < {n})")
    axis = int(axis) % n
    return Stack.apply(*_common_dtype(tensors), axis=axis)


def split(t: Tensor, split_size_or_sections: Any, axis: int = 0,
          dim: int | None = None) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (last may be smaller) or of the given sizes."""
    axis = dim_arg(pick(dim, axis, 0), t.ndim, "split", "axis")
    n = t.shape[axis]
    if checks.is_int(split_size_or_sections):
        checks.integer(split_size_or_sections, "split_size", "split", minimum=1)
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    elif isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(split_size_or_sections)
        if not all(checks.is_int(s) and s >= 0 for s in sizes):
            raise ValueError(f"split: sections must be non-negative ints, got {sizes}")
        if sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} sum to {sum(sizes)} but axis {axis} "
                             f"has length {n}")
    else:
        raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                        f"{type(split_size_or_sections).__name__} {split_size_or_sections!r}")
    out, start = [], 0
    for size in sizes:
        out.append(t[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(out)


@tensor_method("split")
def split_method(self: Tensor, split_size_or_sections: Any, axis: int = 0,
                 dim: Dim = None) -> tuple[Tensor, ...]:
    return split(self, split_size_or_sections, pick(dim, axis, 0))


@tensor_method("chunk")
def chunk(self: Tensor, chunks: int, axis: int = 0, dim: Dim = None) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of equal length (the last may be shorter)."""
    chunks = checks.integer(chunks, "chunks", "chunk", minimum=1)
    axis = dim_arg(pick(dim, axis), self.ndim, "chunk", "axis")
    if self.shape[axis] == 0:  # PyTorch: `chunks` empty pieces
        return tuple(self for _ in range(chunks))
    size = max(-(-self.shape[axis] // chunks), 1)
    return split(self, size, axis)


class Pad(Function):
    """Constant padding; ``pad_width`` is NumPy's ((before, after), ...) per axis."""

    @staticmethod
    def forward(ctx, a, pad_width, value=0.0):
        ctx.crop = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, a.shape, strict=True))
        return np.pad(a, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.crop], None


def pad(t: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding, with NumPy's ``pad_width``.

    ``pad_width`` is an int (the same before and after every axis), a pair
    ``(before, after)`` for every axis, or one pair per axis; all non-negative.
    (This is NumPy's convention, not ``torch.nn.functional.pad``'s last-axis-first list.)
    """
    def invalid(why):
        return ValueError(f"pad: pad_width {short_repr(pad_width)} {why}; expected an int, a "
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
    return Pad.apply(t, tuple(map(tuple, width.tolist())), value=value)


@tensor_method("pad")
def pad_method(self: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    return pad(self, pad_width, value)


def _common_dtype(tensors):
    """Integer or boolean tensors joined with float ones take the floats' dtype
    (as in the binary ops); NumPy alone would make int64 with float32 float64."""
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    if not floats or len(floats) == len(tensors):
        return tensors
    target = np.result_type(*floats)
    return [t if t.data.dtype.kind == "f" else registry.constant(t.data.astype(target))
            for t in tensors]


def _tensor_list(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return [t if isinstance(t, registry.Tensor) else registry.Tensor(t) for t in tensors]
