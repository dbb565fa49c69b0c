"""Reordering and repeating: flip, roll, repeat, repeat_interleave, tile, tril/triu,
diag/diagonal/diag_embed, unflatten, unfold, meshgrid, narrow, movedim, swapdims.

Most are compositions of indexing, reshape and expand, whose backward passes
already exist; ``Roll`` and the diagonal pair have their own Functions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from .front import (
    DimensionError,
    as_tensor,
    constant,
    dim_arg,
    dims_arg,
    index_tensor,
    int_arg,
    tensor_method,
)
from .select import Where

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import Dim, IntOrTuple, ShapeArg
    from tinygrad_book.tensor import Tensor


def _shape(size: tuple[ShapeArg, ...], op: str) -> tuple[int, ...]:
    items: Sequence[Any] = size
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        items = tuple(size[0])
    return tuple(int_arg(s, op, "size") for s in items)


@tensor_method()
def flip(input: Tensor, *dims: ShapeArg) -> Tensor:
    """``input`` with the order of the elements along ``dims`` reversed."""
    dims = dims_arg(dims[0] if len(dims) == 1 else dims, input.ndim, "flip()", "dims")
    if input.ndim == 0:
        return input.clone()
    return input[tuple(slice(None, None, -1) if d in dims else slice(None)
                       for d in range(input.ndim))]


@tensor_method()
def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dim 1)."""
    return flip(input, 1)


@tensor_method()
def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dim 0)."""
    return flip(input, 0)


class Roll(Function):
    """z = input shifted cyclically by ``shifts`` along ``dims``; the gradient rolls back."""

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return Roll.apply(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None


@tensor_method()
def roll(input: Tensor, shifts: IntOrTuple, dims: IntOrTuple | None = None) -> Tensor:
    """Shift the elements cyclically; ``dims=None`` rolls the flattened tensor."""
    if dims is None:
        shift = shifts[0] if isinstance(shifts, (tuple, list)) and len(shifts) == 1 else shifts
        return roll(input.reshape(-1), int_arg(shift, "roll()", "shifts"), 0).reshape(input.shape)
    shift_list = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    dim_list = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shift_list) != len(dim_list):
        raise ValueError(f"roll(): shifts {shift_list} and dims {dim_list} must have the same "
                         "length")
    if input.ndim == 0:
        raise DimensionError("roll(): dims were given but the tensor has no dimensions "
                             "(shape ()); use dims=None")
    dim_ints = tuple(dim_arg(d, input.ndim, "roll()", "dims") for d in dim_list)
    return Roll.apply(input, tuple(int_arg(s, "roll()", "shifts") for s in shift_list), dim_ints)


@tensor_method()
def repeat(input: Tensor, *sizes: ShapeArg) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along dim i (``sizes`` may add leading dims)."""
    counts = _shape(sizes, "repeat()")
    if len(counts) < input.ndim:
        raise ValueError(f"repeat(): {len(counts)} repeat counts for a tensor of "
                         f"{input.ndim} dimensions; give at least one per dimension")
    if any(s < 0 for s in counts):
        raise ValueError(f"repeat(): counts must be non-negative, got {counts}")
    shape = (1,) * (len(counts) - input.ndim) + input.shape
    x = input.reshape(shape)
    spread = tuple(v for s in shape for v in (1, s))
    big = tuple(v for r, s in zip(counts, shape, strict=True) for v in (r, s))
    return x.reshape(spread).expand(big).reshape(
        tuple(r * s for r, s in zip(counts, shape, strict=True)))


@tensor_method()
def tile(input: Tensor, *dims: ShapeArg) -> Tensor:
    """``repeat`` with missing leading counts taken as 1 (NumPy's ``tile``)."""
    counts = _shape(dims, "tile()")
    return repeat(input, (1,) * (input.ndim - len(counts)) + counts)


@tensor_method()
def repeat_interleave(input: Tensor, repeats: Any, dim: Dim = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int or one count per element)
    along ``dim``; ``dim=None`` works on the flattened tensor."""
    if dim is None:
        input, dim = input.reshape(-1), 0
    elif input.ndim == 0:
        raise DimensionError(f"repeat_interleave(): dim {dim} was given but the tensor has no "
                             "dimensions (shape ()); use dim=None")
    dim = dim_arg(dim, input.ndim, "repeat_interleave()")
    n = input.shape[dim] if input.ndim else 1
    counts = index_tensor(repeats, "repeat_interleave()", "repeats").reshape(-1)
    if counts.size not in (1, n) or (counts < 0).any():
        raise ValueError(f"repeat_interleave(): repeats must be one non-negative count or one "
                         f"per element ({n}) along dim {dim}, got {counts.tolist()}")
    index = np.repeat(np.arange(n), np.broadcast_to(counts, (n,)))
    x = input.reshape(1) if input.ndim == 0 else input
    return x[(slice(None),) * dim + (index,)]


def _triangle(input, diagonal, lower, op):
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions, got shape {input.shape}")
    rows, cols = input.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset <= diagonal if lower else offset >= diagonal
    zero = constant(np.zeros((), input.dtype))
    return Where.apply(keep, input, zero)


@tensor_method()
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (j - i <= diagonal) of the last two dims; zeros elsewhere."""
    return _triangle(input, int_arg(diagonal, "tril()", "diagonal"), True, "tril()")


@tensor_method()
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (j - i >= diagonal) of the last two dims; zeros elsewhere."""
    return _triangle(input, int_arg(diagonal, "triu()", "diagonal"), False, "triu()")


def _diagonal_index(shape, offset, dim1, dim2):
    """(i, j) of the diagonal ``offset`` in dims ``dim1``, ``dim2`` of ``shape``."""
    n = max(0, min(shape[dim1] - max(-offset, 0), shape[dim2] - max(offset, 0)))
    return np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)


class Diagonal(Function):
    """z = the diagonal ``offset`` of dims ``dim1``, ``dim2``, as a last dimension;
    the gradient goes back onto that diagonal (``DiagonalScatter``)."""

    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        ctx.args = (a.shape, offset, dim1, dim2)
        return np.diagonal(a, offset, dim1, dim2).copy()

    @staticmethod
    def backward(ctx, g):
        return DiagonalScatter.apply(g, *ctx.args), None, None, None


class DiagonalScatter(Function):
    """z = zeros(shape) with ``src`` on the diagonal ``offset`` of dims ``dim1``, ``dim2``
    (its last dimension runs along the diagonal); the adjoint of ``Diagonal``."""

    @staticmethod
    def forward(ctx, src, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        out = np.zeros(shape, dtype=src.dtype)
        i, j = _diagonal_index(shape, offset, dim1, dim2)
        np.moveaxis(out, (dim1, dim2), (-2, -1))[..., i, j] = src
        return out

    @staticmethod
    def backward(ctx, g):
        return Diagonal.apply(g, *ctx.args), None, None, None, None


@tensor_method()
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` (above the main one if > 0) of dims ``dim1`` and ``dim2``,
    appended as the last dimension."""
    d1, d2 = dim_arg(dim1, input.ndim, "diagonal()", "dim1"), \
        dim_arg(dim2, input.ndim, "diagonal()", "dim2")
    if input.ndim < 2 or d1 == d2:
        raise ValueError(f"diagonal(): needs two different dims of a tensor with at least 2 "
                         f"dimensions, got dim1={dim1}, dim2={dim2} for shape {input.shape}")
    return Diagonal.apply(input, int_arg(offset, "diagonal()", "offset"), d1, d2)


@tensor_method()
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose diagonal (``offset``, in dims ``dim1``, ``dim2`` of the result) holds
    the last dimension of ``input``: the inverse of ``diagonal``."""
    if input.ndim == 0:
        raise ValueError("diag_embed(): input must have at least 1 dimension")
    ndim = input.ndim + 1
    d1, d2 = dim_arg(dim1, ndim, "diag_embed()", "dim1"), dim_arg(dim2, ndim, "diag_embed()",
                                                                  "dim2")
    if d1 == d2:
        raise ValueError(f"diag_embed(): dim1 and dim2 must differ, got {dim1} and {dim2}")
    offset = int_arg(offset, "diag_embed()", "offset")
    n = input.shape[-1] + abs(offset)
    rest = iter(input.shape[:-1])
    shape = tuple(n if d in (d1, d2) else next(rest) for d in range(ndim))
    return DiagonalScatter.apply(input, shape, offset, d1, d2)


@tensor_method()
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-d input: a square matrix with it on diagonal ``diagonal``; 2-d input: that
    diagonal as a 1-d tensor."""
    offset = int_arg(diagonal, "diag()", "diagonal")
    if input.ndim == 1:
        return diag_embed(input, offset, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, offset, 0, 1)
    raise ValueError(f"diag(): input must be 1-d or 2-d, got shape {input.shape}")


@tensor_method()
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1)."""
    dim = dim_arg(dim, input.ndim, "unflatten()")
    shape = tuple(sizes)
    known = int(np.prod([s for s in shape if s != -1]))
    if -1 in shape and known:
        shape = tuple(input.shape[dim] // known if s == -1 else s for s in shape)
    if int(np.prod(shape)) != input.shape[dim]:
        raise ValueError(f"unflatten(): sizes {shape} do not multiply to {input.shape[dim]}, "
                         f"the length of dim {dim} of shape {input.shape}")
    return input.reshape(input.shape[:dim] + shape + input.shape[dim + 1:])


@tensor_method()
def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements, ``step`` apart, along ``dimension``: that
    dimension becomes the window count and the windows form a new last dimension."""
    dim = dim_arg(dimension, input.ndim, "unfold()", "dimension")
    size, step = int_arg(size, "unfold()", "size", 0), int_arg(step, "unfold()", "step", 1)
    length = input.shape[dim] if input.ndim else 1
    if size > length:
        raise ValueError(f"unfold(): size {size} is larger than dimension {dim}'s length "
                         f"{length} (shape {input.shape})")
    starts = np.arange(0, length - size + 1, step)
    windows = starts[:, None] + np.arange(size)[None, :]
    x = input.reshape(1) if input.ndim == 0 else input
    out = x[(slice(None),) * dim + (windows,)]
    return out.movedim(dim + 1, -1) if input.ndim else out.reshape(len(starts), size)[0]


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors; ``indexing='ij'`` (PyTorch's default) or 'xy'."""
    given: Sequence[Any] = tensors
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        given = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid(): indexing must be 'ij' or 'xy', got {indexing!r}")
    flat = [as_tensor(t).reshape(-1) for t in given]
    shape = [len(t) for t in flat]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for k, t in enumerate(flat):
        axis = {0: 1, 1: 0}.get(k, k) if swap else k
        view = [1] * len(flat)
        view[axis] = len(t)
        out.append(t.reshape(tuple(view)).expand(tuple(shape)))
    return tuple(out)


@tensor_method()
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start + length`` of dimension ``dim`` (a view in PyTorch)."""
    dim = dim_arg(dim, input.ndim, "narrow()")
    n = input.shape[dim]
    start, length = int_arg(start, "narrow()", "start"), int_arg(length, "narrow()", "length", 0)
    start = start + n if start < 0 else start
    if not 0 <= start <= n or start + length > n:
        raise IndexError(f"narrow(): start {start} and length {length} exceed dimension {dim} "
                         f"of length {n}")
    return input[(slice(None),) * dim + (slice(start, start + length),)]


@tensor_method("select")
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` of dimension ``dim``, which is removed."""
    dim = dim_arg(dim, input.ndim, "select()")
    index = int_arg(index, "select()", "index")
    if not -input.shape[dim] <= index < input.shape[dim]:
        raise IndexError(f"select(): index {index} is out of range for dimension {dim} of "
                         f"length {input.shape[dim]}")
    return input[(slice(None),) * dim + (index,)]


@tensor_method("movedim", "moveaxis")
def movedim(input: Tensor, source: IntOrTuple, destination: IntOrTuple) -> Tensor:
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    src = dims_arg(source, input.ndim, "movedim()", "source")
    dst = dims_arg(destination, input.ndim, "movedim()", "destination")
    if len(src) != len(dst):
        raise ValueError(f"movedim(): source {source} and destination {destination} must "
                         f"have the same length")
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return input.permute(*order) if input.ndim else input


moveaxis = movedim


@tensor_method("swapdims", "swapaxes")
def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Exchange two dimensions (``transpose(dim0, dim1)``)."""
    d0, d1 = dim_arg(dim0, input.ndim, "swapdims()"), dim_arg(dim1, input.ndim, "swapdims()")
    order = list(range(input.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return input.permute(*order) if input.ndim else input


swapaxes = swapdims


@tensor_method("t")
def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is)."""
    if input.ndim > 2:
        raise ValueError(f"t(): expects a tensor of at most 2 dimensions, got shape "
                         f"{input.shape}; use transpose(dim0, dim1)")
    return input if input.ndim < 2 else swapdims(input, 0, 1)
