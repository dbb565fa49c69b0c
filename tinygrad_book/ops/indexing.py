"""Indexing along a dimension: gather, scatter (add, reduce), index_select, index_add,
masked_fill, masked_select, take, take_along_dim, nonzero.

``gather`` reads ``input`` at an advanced index, as ``t[index]`` does, so it is
subscript.py's ``GetItem``; its adjoint, adding into zeros at that index, is
``IndexAdd``. The two are each other's backward, so every op here built on them
is differentiable to any order. For ``dim = 1``
of a 3-d tensor, ``index`` picks along that dimension:
``out[i][j][k] = input[i][index[i][j][k]][k]``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from ..autograd import Function
from .front import as_tensor, constant, dim_arg, index_tensor, is_tensor, pair, tensor_method
from .select import Where
from .subscript import GetItem, IndexAdd

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


def _along(index: np.ndarray, dim: int) -> tuple[Any, ...]:
    """The advanced index that reads ``input`` at ``index`` along ``dim`` and at the
    element's own position along every other dimension."""
    grids = list(np.ogrid[tuple(slice(0, s) for s in index.shape)])
    grids[dim] = index
    return tuple(grids)


def _check_index(input: Tensor, dim: int, index: Any, op: str, src: Tensor | None = None
                 ) -> tuple[int, np.ndarray]:
    """The index array of ``gather``/``scatter``, checked as PyTorch checks it."""
    dim = dim_arg(dim, input.ndim, op)
    index = index_tensor(index, op).astype(np.intp, copy=False)
    if index.ndim != max(input.ndim, 1) and not (index.ndim == 0 and input.ndim == 0):
        raise ValueError(f"{op}: index of shape {index.shape} must have as many dimensions "
                         f"as input of shape {input.shape}")
    for d, (n, m) in enumerate(zip(index.shape, input.shape, strict=True)):
        if d != dim and n > m:
            raise ValueError(f"{op}: index of shape {index.shape} is larger than input of "
                             f"shape {input.shape} in dimension {d}")
        if src is not None and n > src.shape[d]:
            raise ValueError(f"{op}: index of shape {index.shape} is larger than src of "
                             f"shape {src.shape} in dimension {d}")
    size = input.shape[dim] if input.ndim else 1
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size "
                         f"{size}")
    return dim, index


@tensor_method()
def gather(input: Tensor, dim: int, index: Tensor | ArrayLike) -> Tensor:
    """Values of ``input`` picked along ``dim`` by ``index`` (same number of dimensions)."""
    d, idx = _check_index(input, dim, index, "gather()")
    if input.ndim == 0:
        return input.clone()
    return GetItem.apply(input, _along(idx, d))


def _src_part(src: Any, index: np.ndarray, dtype: np.dtype) -> Tensor:
    """The part of ``src`` that a scatter reads: its leading ``index.shape`` block."""
    if not is_tensor(src):
        return constant(np.full(index.shape, src, dtype=dtype))
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    return src if src.dtype == dtype else src.astype(dtype)


class Scatter(Function):
    """z = input with ``src`` written at the scattered positions;
    dz/dinput = 1 except there (0), dz/dsrc gathers the gradient."""

    @staticmethod
    def forward(ctx, a, src, where):
        ctx.where = where
        out = a.copy()
        out[where] = src
        kept = np.ones(a.shape, dtype=a.dtype)
        kept[where] = 0
        ctx.save_for_backward(kept)
        return out

    @staticmethod
    def backward(ctx, g):
        (kept,) = ctx.saved_tensors
        gs = GetItem.apply(g, ctx.where) if ctx.needs_input_grad[1] else None
        return g * kept, gs, None


@tensor_method()
def scatter(input: Tensor, dim: int, index: Tensor | ArrayLike, src: Tensor | None = None,
            value: Tensor | ArrayLike | None = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (or the number ``value``) written along ``dim``
    at ``index``: ``out[i][index[i][j]] = src[i][j]`` for ``dim = 1``. ``reduce``
    'add' or 'multiply' combines instead (as ``scatter_reduce`` 'sum'/'prod')."""
    given = value if src is None else src
    if given is None:
        raise TypeError("scatter(): give src (a tensor or a number) or value")
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise ValueError(f"scatter(): reduce must be 'add' or 'multiply', got {reduce!r}")
        return scatter_reduce(input, dim, index, given, modes[reduce])
    d, idx = _check_index(input, dim, index, "scatter()", given if is_tensor(given) else None)
    part = _src_part(given, idx, input.dtype)
    return Scatter.apply(input, part, _along(idx, d))


@tensor_method()
def scatter_add(input: Tensor, dim: int, index: Tensor | ArrayLike, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index`` (repeats add up)."""
    return scatter_reduce(input, dim, index, src, "sum")


@tensor_method()
def scatter_reduce(input: Tensor, dim: int, index: Tensor | ArrayLike,
                   src: Tensor | ArrayLike, reduce: str,
                   include_self: bool = True) -> Tensor:
    """``input`` with the values of ``src`` combined into it along ``dim`` at ``index``.

    ``reduce`` is 'sum', 'prod', 'mean', 'amax' or 'amin'; with
    ``include_self=False`` the scattered-to positions forget ``input``'s value.
    Gradients are PyTorch's: amax/amin share the gradient evenly among the values
    equal to the result.
    """
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise ValueError(f"scatter_reduce(): reduce must be 'sum', 'prod', 'mean', 'amax' or "
                         f"'amin', got {reduce!r}")
    d, idx = _check_index(input, dim, index, "scatter_reduce()",
                          src if is_tensor(src) else None)
    part = _src_part(src, idx, input.dtype)
    where = _along(idx, d)
    hits = np.zeros(input.shape, dtype=np.int64)
    np.add.at(hits, where, 1)
    hit = hits > 0
    base = input if include_self else Where.apply(hit, constant(_identity(reduce, input.dtype)),
                                                  input)
    if reduce in ("sum", "mean"):
        out = base + IndexAdd.apply(part, input.shape, where)
        if reduce == "mean":
            count = (hits + (1 if include_self else 0)).clip(1)
            out = out // count if input.dtype.kind != "f" else out / count.astype(input.dtype)
        return out
    return ScatterExtreme.apply(base, part, where, reduce=reduce, hit=hit)


def _identity(reduce: str, dtype: np.dtype) -> np.ndarray:
    if reduce in ("sum", "mean"):
        return np.zeros((), dtype)
    if reduce == "prod":
        return np.ones((), dtype)
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    big = np.inf if dtype.kind == "f" else info.max
    return np.asarray(-big if reduce == "amax" else big, dtype=dtype)


class ScatterExtreme(Function):
    """z = input combined with src by product or max/min at the scattered positions.

    prod: dz/de = z / e for each factor e (the product of the others where e = 0).
    amax/amin: the gradient is shared evenly among the values equal to z.
    The shares are saved as constants, so 'prod' is differentiable once (its second
    derivative is not tracked); for amax/amin the second derivative is 0 anyway.
    """

    @staticmethod
    def forward(ctx, a, src, where, reduce="amax", hit=None):
        ufunc = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        out = a.copy()
        ufunc.at(out, where, src)
        if reduce == "prod":
            share_a, share_src = _product_of_others(a, src, where, out)
        else:
            count = (a == out).astype(a.dtype)
            np.add.at(count, where, src == out[where])
            share_a = (a == out) / count
            share_src = (src == out[where]) / count[where]
        ctx.save_for_backward(share_a.astype(a.dtype), share_src.astype(a.dtype))
        ctx.where = where
        return out

    @staticmethod
    def backward(ctx, g):
        share_a, share_src = ctx.saved_tensors
        return g * share_a, GetItem.apply(g, ctx.where) * share_src, None


def _product_of_others(a: np.ndarray, src: np.ndarray, where: tuple[Any, ...],
                       out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each factor, the product of the other factors of its position."""
    zero_a = a == 0
    zeros = zero_a.astype(np.int64)
    np.add.at(zeros, where, src == 0)
    nonzero = np.where(zero_a, 1, a)
    np.multiply.at(nonzero, where, np.where(src == 0, 1, src))
    with np.errstate(divide="ignore", invalid="ignore"):
        share_a = np.where(zeros == 0, nonzero / np.where(zero_a, 1, a),
                           np.where((zeros == 1) & zero_a, nonzero, 0))
        z_src, nz_src = zeros[where], nonzero[where]
        share_src = np.where(z_src == 0, nz_src / np.where(src == 0, 1, src),
                             np.where((z_src == 1) & (src == 0), nz_src, 0))
    return share_a, share_src


def _dim_index(index: Any, op: str) -> np.ndarray:
    arr = index_tensor(index, op)
    if arr.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-d, got shape {arr.shape}")
    return arr.reshape(-1).astype(np.intp, copy=False)


def _check_bounds(index: np.ndarray, size: int, dim: int, op: str) -> None:
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index.min() if index.min() < -size else index.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with "
                         f"size {size}")


@tensor_method()
def index_select(input: Tensor, dim: int, index: Tensor | ArrayLike) -> Tensor:
    """The slices of ``input`` at the positions ``index`` (1-d) along ``dim``."""
    d = dim_arg(dim, input.ndim, "index_select()")
    idx = _dim_index(index, "index_select()")
    if input.ndim == 0:
        if idx.size != 1:
            raise IndexError(f"index_select(): a 0-d input takes exactly one index, got "
                             f"{idx.size}")
        _check_bounds(idx, 1, 0, "index_select()")
        return input.reshape(1)[idx].reshape(())
    _check_bounds(idx, input.shape[d], d, "index_select()")
    return input[(slice(None),) * d + (idx,)]


@tensor_method()
def index_add(input: Tensor, dim: int, index: Tensor | ArrayLike, source: Tensor,
              alpha: float = 1) -> Tensor:
    """``input`` with ``alpha · source`` added at the positions ``index`` along ``dim``."""
    d = dim_arg(dim, input.ndim, "index_add()")
    idx = _dim_index(index, "index_add()")
    src = as_tensor(source)
    expected = input.shape[:d] + (len(idx),) + input.shape[d + 1:]
    if src.shape != expected:
        raise ValueError(f"index_add(): source of shape {src.shape} does not match input "
                         f"of shape {input.shape} with {len(idx)} indices along dim {d}; "
                         f"expected {expected}")
    _check_bounds(idx, input.shape[d], d, "index_add()")
    if alpha != 1:
        src = src * alpha
    src = src if src.dtype == input.dtype else src.astype(input.dtype)
    return input + IndexAdd.apply(src, input.shape, (slice(None),) * d + (idx,))


@tensor_method()
def masked_fill(input: Tensor, mask: Tensor | ArrayLike, value: Tensor | ArrayLike) -> Tensor:
    """``input`` with ``value`` (a number or a 0-d tensor) wherever ``mask`` is true."""
    mask = mask.data if is_tensor(mask) else np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill(): mask must be a bool tensor, got dtype {mask.dtype}")
    if is_tensor(value) and value.ndim != 0:
        raise ValueError(f"masked_fill(): value must be a number or a 0-d tensor, got shape "
                         f"{value.shape}")
    try:
        fits = np.broadcast_shapes(mask.shape, input.shape) == input.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked_fill(): mask of shape {mask.shape} does not broadcast to "
                         f"input of shape {input.shape}")
    fill, _ = pair(value, input)
    fill = fill if fill.dtype == input.dtype else fill.astype(input.dtype)
    return Where.apply(mask, fill, input)


@tensor_method()
def masked_select(input: Tensor, mask: Tensor | ArrayLike) -> Tensor:
    """The elements of ``input`` where ``mask`` is true, as a 1-d tensor (row-major)."""
    mask = mask.data if is_tensor(mask) else np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select(): mask must be a bool tensor, got dtype {mask.dtype}")
    try:
        shape = np.broadcast_shapes(mask.shape, input.shape)
    except ValueError:
        raise ValueError(f"masked_select(): mask of shape {mask.shape} and input of shape "
                         f"{input.shape} do not broadcast") from None
    return input.expand(shape)[np.broadcast_to(mask, shape)]


@tensor_method()
def take(input: Tensor, index: Tensor | ArrayLike) -> Tensor:
    """``input`` read as 1-d at ``index``; the result has ``index``'s shape."""
    idx = index_tensor(index, "take()").astype(np.intp, copy=False)
    _check_bounds(idx, input.size, 0, "take()")
    return input.reshape(-1)[idx]


@tensor_method()
def take_along_dim(input: Tensor, indices: Tensor | ArrayLike, dim: int | None = None) -> Tensor:
    """``gather`` with ``indices`` broadcast against ``input`` (``dim=None``: flattened)."""
    index = index_tensor(indices, "take_along_dim()").astype(np.intp, copy=False)
    if dim is None:
        return take(input, index.reshape(-1))
    dim = dim_arg(dim, input.ndim, "take_along_dim()")
    if index.ndim != input.ndim:
        raise ValueError(f"take_along_dim(): indices of shape {index.shape} must have as "
                         f"many dimensions as input of shape {input.shape}")
    shape_in = list(np.broadcast_shapes(
        tuple(1 if d == dim else s for d, s in enumerate(input.shape)),
        tuple(1 if d == dim else s for d, s in enumerate(index.shape))))
    shape_ix = list(shape_in)
    shape_in[dim], shape_ix[dim] = input.shape[dim], index.shape[dim]
    idx = np.broadcast_to(index, shape_ix)
    _check_bounds(idx, input.shape[dim], dim, "take_along_dim()")
    return gather(input.expand(tuple(shape_in)), dim, idx % max(input.shape[dim], 1))


@overload
def nonzero(input: Tensor, as_tuple: Literal[False] = False) -> Tensor: ...
@overload
def nonzero(input: Tensor, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ...
@overload
def nonzero(input: Tensor, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]: ...
@tensor_method("nonzero", "argwhere")
def nonzero(input: Tensor, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of the non-zero elements: int64 of shape (n, ndim), or with
    ``as_tuple=True`` one 1-d index tensor per dimension."""
    data = as_tensor(input).data
    if as_tuple:
        return tuple(constant(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return constant(np.argwhere(data).astype(np.int64))


argwhere = nonzero
