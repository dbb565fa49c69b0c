"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, mode, unique.

Each finds indices with NumPy and returns the values as a ``gather`` at those
indices, so the values are differentiable (the gradient goes back to the
elements picked) and the indices are int64 constants, as in PyTorch. NaN
sorts as the largest value. ``unique`` is not differentiable, as in PyTorch.
"""
from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .front import as_tensor, constant, dim_arg, int_arg, is_tensor, keep, pick, tensor_method
from .indexing import gather

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim
    from tinygrad_book.tensor import Tensor

# Typed, so that .values and .indices are Tensors; the functional form keeps PyTorch's type
# names (torch.return_types.sort), which the class syntax ruff prefers (UP014) would lose.
sort_result = NamedTuple("sort", [("values", "Tensor"), ("indices", "Tensor")])  # noqa: UP014
topk_result = NamedTuple("topk", [("values", "Tensor"), ("indices", "Tensor")])  # noqa: UP014
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
median_result = namedtuple("median", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])


def _argsort(data, dim, descending):
    """Stable argsort along ``dim``; descending keeps equal elements in their order."""
    if not descending:
        return np.argsort(data, axis=dim, kind="stable")
    n = data.shape[dim]
    order = np.argsort(np.flip(data, dim), axis=dim, kind="stable")
    return n - 1 - np.flip(order, dim)


def _pick(input, dim, idx, keepdim, result):
    """``result(values, indices)`` for one index per slice along ``dim``."""
    idx = np.expand_dims(idx, dim)
    values = gather(input, dim, idx)
    if not keepdim:
        values, idx = values.squeeze(dim), idx.squeeze(dim)
    return result(values, constant(idx.astype(np.int64)))


@tensor_method()
def sort(input: Tensor, dim: int = -1, descending: bool = False,
         stable: bool = False) -> sort_result:
    """Sorted values along ``dim`` and where they came from: (values, indices).
    The sort is always stable (``stable`` is accepted for PyTorch's signature)."""
    input = as_tensor(input)
    dim = dim_arg(dim, input.ndim, "sort()")
    if input.ndim == 0:
        return sort_result(input.clone(), constant(np.zeros((), np.int64)))
    idx = _argsort(input.data, dim, descending)
    return sort_result(gather(input, dim, idx), constant(idx.astype(np.int64)))


@tensor_method()
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (int64; stable)."""
    return sort(input, dim, descending, stable).indices


@tensor_method()
def msort(input: Tensor) -> Tensor:
    """Values sorted along dim 0."""
    return sort(input, 0).values


@tensor_method()
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> topk_result:
    """The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their
    indices, in sorted order."""
    input = as_tensor(input)
    dim = dim_arg(dim, input.ndim, "topk()")
    n = input.shape[dim] if input.ndim else 1
    k = int_arg(k, "topk()", "k", 0)
    if k > n:
        raise ValueError(f"topk(): k ({k}) is larger than dimension {dim}'s length {n}")
    if input.ndim == 0:
        return topk_result(input.clone(), constant(np.zeros((), np.int64)))
    idx = np.take(_argsort(input.data, dim, largest), np.arange(k), axis=dim)
    return topk_result(gather(input, dim, idx), constant(idx.astype(np.int64)))


def _order_stat(input, dim, k, keepdim, op, result):
    """The k-th smallest (0-based) along ``dim``; a slice holding NaN gives NaN."""
    input = as_tensor(input)
    dim = dim_arg(dim, input.ndim, op)
    if input.ndim == 0:
        return result(input.clone(), constant(np.zeros((), np.int64)))
    if input.shape[dim] == 0:
        raise IndexError(f"{op}: cannot take an order statistic of an empty dimension {dim} "
                         f"(shape {input.shape})")
    idx = np.take(_argsort(input.data, dim, False), k, axis=dim)
    if input.dtype.kind == "f":
        nan = np.isnan(input.data)
        idx = np.where(nan.any(axis=dim), np.argmax(nan, axis=dim), idx)
    return _pick(input, dim, idx, keepdim, result)


@tensor_method()
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *,
             axis: int | None = None, keepdims: bool | None = None) -> tuple[Tensor, ...]:
    """The ``k``-th smallest value (k from 1) along ``dim`` and its index."""
    input = as_tensor(input)
    # dim has a default (-1), so an axis given explicitly wins.
    dim, keepdim = pick(axis, dim), keep(keepdim, keepdims)
    n = input.shape[dim_arg(dim, input.ndim, "kthvalue()")] if input.ndim else 1
    k = int_arg(k, "kthvalue()", "k")
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): k ({k}) must be in 1..{n}, the length of dim {dim}")
    return _order_stat(input, dim, k - 1, keepdim, "kthvalue()", kthvalue_result)


@tensor_method()
def median(input: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
           keepdims: bool | None = None) -> Tensor:
    """The median (the lower of the two middle values for an even count).

    Without ``dim``: a 0-d tensor over all elements; with ``dim``: (values, indices).
    """
    input = as_tensor(input)
    dim, keepdim = pick(dim, axis), keep(keepdim, keepdims)
    if dim is None:
        flat = input.reshape(-1)
        if flat.shape[0] == 0:
            return constant(np.array(np.nan, input.dtype))
        return _order_stat(flat, 0, (flat.shape[0] - 1) // 2, False, "median()",
                           median_result).values
    d = dim_arg(dim, input.ndim, "median()")
    n = input.shape[d] if input.ndim else 1
    return _order_stat(input, d, (n - 1) // 2, keepdim, "median()", median_result)


@tensor_method()
def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, axis: int | None = None,
         keepdims: bool | None = None) -> tuple[Tensor, ...]:
    """The most frequent value along ``dim`` (the smallest at ties) and the index of
    its last occurrence: (values, indices)."""
    input = as_tensor(input)
    # dim has a default (-1), so an axis given explicitly wins.
    dim, keepdim = pick(axis, dim), keep(keepdim, keepdims)
    dim = dim_arg(dim, input.ndim, "mode()")
    if input.ndim == 0:
        return mode_result(input.clone(), constant(np.zeros((), np.int64)))
    rows = np.moveaxis(input.data, dim, -1)
    flat = rows.reshape(-1, rows.shape[-1])
    idx = np.empty(flat.shape[0], np.int64)
    for r, values in enumerate(flat):
        uniq, counts = np.unique(values, return_counts=True)
        best = uniq[np.argmax(counts)]
        idx[r] = len(values) - 1 - np.argmax(values[::-1] == best)
    return _pick(input, dim, idx.reshape(rows.shape[:-1]), keepdim, mode_result)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: Dim = None) -> Tensor | tuple[Tensor, ...]:
    """The distinct values (sorted), and optionally the inverse indices and the counts.

    Not differentiable, as in PyTorch. With ``dim``, the distinct slices along it.
    """
    data = input.data if is_tensor(input) else np.asarray(input)
    axis = None if dim is None else dim_arg(dim, data.ndim, "unique()")
    values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=axis)
    out = [constant(values)]
    if return_inverse:
        shape = data.shape if axis is None else (data.shape[axis],)
        out.append(constant(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(constant(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


tensor_method("unique")(unique)
