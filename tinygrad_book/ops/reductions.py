"""Reductions built on the ones in ``reduce.py`` or taken outside the graph, with
PyTorch's keywords (``dim`` or ``axis``, ``keepdim`` or ``keepdims``): amax/amin,
aminmax, std_mean/var_mean, count_nonzero, nansum, nanmean, any/all, the indices of
argmax/argmin, and ``tb.max``/``tb.min`` with their (values, indices).

None has a Function of its own: the differentiable ones are compositions, so their
gradients come from ``reduce.py``'s; the rest return integers or bools.
"""
from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from .front import (
    DimensionError,
    as_tensor,
    constant,
    dim_arg,
    dims_arg,
    float_arg,
    is_tensor,
    keep,
    pick,
    reduce_dims,
    tensor_method,
)
from .indexing import gather
from .select import Where

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor

aminmax_result = namedtuple("aminmax", ["min", "max"])


@tensor_method()
def amax(input: Tensor, dim: Dim = (), keepdim: bool = False, axis: Dim = None,
         keepdims: bool | None = None) -> Tensor:
    """The largest values over ``dim`` (all dims for ``()``); ties share the gradient."""
    input = as_tensor(input)
    dim = axis if dim == () and axis is not None else dim
    return input.max(axis=None if dim == () else dim, keepdims=keep(keepdim, keepdims))


@tensor_method()
def amin(input: Tensor, dim: Dim = (), keepdim: bool = False, axis: Dim = None,
         keepdims: bool | None = None) -> Tensor:
    """The smallest values over ``dim`` (all dims for ``()``); ties share the gradient."""
    input = as_tensor(input)
    dim = axis if dim == () and axis is not None else dim
    return input.min(axis=None if dim == () else dim, keepdims=keep(keepdim, keepdims))


@tensor_method()
def aminmax(input: Tensor, dim: Dim = None, keepdim: bool = False, axis: Dim = None,
            keepdims: bool | None = None) -> tuple[Tensor, ...]:
    """(min, max) over ``dim`` (all elements by default)."""
    dim, keepdim = pick(dim, axis), keep(keepdim, keepdims)
    return aminmax_result(amin(input, () if dim is None else dim, keepdim),
                          amax(input, () if dim is None else dim, keepdim))


@tensor_method()
def var_mean(input: Tensor, dim: Dim = None, correction: int = 1, keepdim: bool = False,
             unbiased: bool | None = None, axis: Dim = None,
             keepdims: bool | None = None) -> tuple[Tensor, ...]:
    """(variance, mean) over ``dim``; ``correction=1`` divides by n - 1."""
    input = as_tensor(input)
    dim, keepdim = pick(dim, axis), keep(keepdim, keepdims)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return (input.var(axis=dim, keepdims=keepdim, correction=correction),
            input.mean(axis=dim, keepdims=keepdim))


@tensor_method()
def std_mean(input: Tensor, dim: Dim = None, correction: int = 1, keepdim: bool = False,
             unbiased: bool | None = None, axis: Dim = None,
             keepdims: bool | None = None) -> tuple[Tensor, ...]:
    """(standard deviation, mean) over ``dim``; ``correction=1`` divides by n - 1."""
    var, mean = var_mean(input, dim, correction, keepdim, unbiased, axis, keepdims)
    return var.sqrt(), mean


@tensor_method()
def count_nonzero(input: Tensor, dim: Dim = None, axis: Dim = None) -> Tensor:
    """The number of non-zero elements over ``dim`` (int64)."""
    input = as_tensor(input)
    axes = reduce_dims(pick(dim, axis), input.ndim, "count_nonzero()")
    return constant(np.count_nonzero(input.data, axis=axes).astype(np.int64))


def _without_nan(input):
    nan = np.isnan(input.data) if input.dtype.kind == "f" else np.zeros(input.shape, bool)
    return Where.apply(nan, constant(np.zeros((), input.dtype)), input), nan


@tensor_method()
def nansum(input: Tensor, dim: Dim = None, keepdim: bool = False, dtype: DTypeLike | None = None,
           axis: Dim = None, keepdims: bool | None = None) -> Tensor:
    """The sum over ``dim`` with NaN taken as 0 (NaN gets gradient 0)."""
    input = as_tensor(input)
    if dtype is not None:
        input = input.astype(dtype)
    axes = reduce_dims(pick(dim, axis), input.ndim, "nansum()")
    clean, _ = _without_nan(input)
    return clean.sum(axis=axes, keepdims=keep(keepdim, keepdims))


@tensor_method()
def nanmean(input: Tensor, dim: Dim = None, keepdim: bool = False, dtype: DTypeLike | None = None,
            axis: Dim = None, keepdims: bool | None = None) -> Tensor:
    """The mean over ``dim`` of the elements that are not NaN."""
    input = float_arg(input, dtype, "nanmean()")
    axes = reduce_dims(pick(dim, axis), input.ndim, "nanmean()")
    clean, nan = _without_nan(input)
    count = np.sum(~nan, axis=axes, keepdims=keep(keepdim, keepdims)).astype(input.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return clean.sum(axis=axes, keepdims=keep(keepdim, keepdims)) / constant(count)


def _logical_reduce(input, dim, keepdim, ufunc, op):
    input = as_tensor(input)
    axes = reduce_dims(dim, input.ndim, op)
    return constant(np.asarray(ufunc.reduce(input.data.astype(bool), axis=axes,
                                            keepdims=keepdim)))


@tensor_method()
def any(input: Tensor, dim: Dim = None, keepdim: bool = False, axis: Dim = None,
        keepdims: bool | None = None) -> Tensor:
    """Whether any element over ``dim`` (all by default) is non-zero: a bool tensor
    (0-d without ``dim``), as PyTorch's."""
    return _logical_reduce(input, pick(dim, axis), keep(keepdim, keepdims), np.logical_or,
                           "any()")


@tensor_method()
def all(input: Tensor, dim: Dim = None, keepdim: bool = False, axis: Dim = None,
        keepdims: bool | None = None) -> Tensor:
    """Whether every element over ``dim`` (all by default) is non-zero: a bool tensor
    (0-d without ``dim``), as PyTorch's."""
    return _logical_reduce(input, pick(dim, axis), keep(keepdim, keepdims), np.logical_and,
                           "all()")


def _arg_extreme(input, dim, keepdim, ufunc, op):
    """The index array of ``ufunc`` (np.argmax or np.argmin) along ``dim`` (all elements
    flattened without one), as an int64 Tensor outside the graph."""
    if dim is not None:
        dim = dim_arg(dim, input.ndim, op, "axis") if input.ndim else None
    return constant(np.asarray(ufunc(input.data, axis=dim, keepdims=keepdim)))


@tensor_method
def argmax(self: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
           keepdims: bool = False) -> Tensor:
    """Indices of the largest values (int64, outside the graph)."""
    return _arg_extreme(self, pick(dim, axis), keep(keepdim, keepdims), np.argmax, "argmax")


@tensor_method
def argmin(self: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
           keepdims: bool = False) -> Tensor:
    """Indices of the smallest values (int64, outside the graph)."""
    return _arg_extreme(self, pick(dim, axis), keep(keepdim, keepdims), np.argmin, "argmin")


max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _extreme(input, dim, keepdim, pick_index, result, name):
    """``tb.max``/``tb.min`` as PyTorch's functions: over all elements without ``dim``,
    elementwise with a tensor as second argument, else (values, indices) along ``dim``."""
    input = as_tensor(input)
    if is_tensor(dim):
        return input.maximum(dim) if name == "max" else input.minimum(dim)
    if dim is None:
        return input.max() if name == "max" else input.min()
    d = dims_arg(dim, input.ndim, f"{name}()")[0]
    if input.ndim and input.shape[d] == 0:
        raise DimensionError(f"{name}(): cannot reduce over dim {d} of size 0 (input of "
                             f"shape {input.shape})")
    if input.ndim == 0:
        return result(input.clone(), constant(np.zeros((), np.int64)))
    idx = np.expand_dims(pick_index(input.data, axis=d), d)
    values = gather(input, d, idx)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return result(values, constant(idx.astype(np.int64)))


def max(input: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
        keepdims: bool | None = None) -> Tensor:
    """``tb.max(x)``: the largest element; ``tb.max(x, dim)``: (values, indices) along
    ``dim``, as ``torch.max``; ``tb.max(x, y)``: the elementwise maximum. (The method
    ``x.max(dim)`` gives the values only.)"""
    return _extreme(input, pick(dim, axis), keep(keepdim, keepdims), np.argmax, max_result,
                    "max")


def min(input: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
        keepdims: bool | None = None) -> Tensor:
    """``tb.min(x)``, ``tb.min(x, dim)`` -> (values, indices), ``tb.min(x, y)``: as ``max``."""
    return _extreme(input, pick(dim, axis), keep(keepdim, keepdims), np.argmin, min_result,
                    "min")
