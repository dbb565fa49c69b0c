"""More reductions, with PyTorch's keywords (``dim`` or ``axis``, ``keepdim`` or
``keepdims``): prod, amax/amin, aminmax, std_mean/var_mean, count_nonzero, nansum,
nanmean, any/all.

``dim`` is an int, a tuple of ints or None (every dimension). ``prod`` has its
own Function; the rest are compositions of the core reductions.
"""
from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from .front import (
    DimensionError,
    as_tensor,
    constant,
    dims_arg,
    is_tensor,
    keep,
    pick,
    tensor_method,
)
from .indexing import gather
from .join import Concatenate
from .scan import CumProd
from .select import Where

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor

aminmax_result = namedtuple("aminmax", ["min", "max"])


def _axes(input, dim, op):
    """``dim`` as a sorted tuple of non-negative dims (None: all of them)."""
    if dim is None:
        return tuple(range(input.ndim))
    axes = tuple(sorted(dims_arg(dim, input.ndim, op)))
    return axes if input.ndim else ()  # a 0-d tensor accepts dim 0 or -1, reducing nothing


class Prod(Function):
    """z = Π a over ``axes``;  dz/da_i = Π_{j≠i} a_j (= z / a_i where no factor is 0)."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        ctx.axes, ctx.keepdims = axes, keepdims
        ctx.kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
        out = np.prod(a, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        g = g.reshape(ctx.kept)
        if not (a.data == 0).any():
            return g * out.reshape(ctx.kept) / a, None, None
        return g * _product_of_others(a, ctx.axes), None, None


def _product_of_others(a, axes):
    """For each element, the product of the others of its reduced group, exactly (also
    with zeros): the running product from the left times the one from the right."""
    rest = [d for d in range(a.ndim) if d not in axes]
    x = a.permute(*(rest + list(axes)))
    lead = x.shape[:len(rest)]
    n = int(np.prod(x.shape[len(rest):]))
    flat = x.reshape(lead + (n,))
    one = constant(np.ones(lead + (1,), a.dtype))
    left = CumProd.apply(_cat_last(one, flat[..., :-1]), len(lead))
    right = CumProd.apply(_cat_last(flat[..., 1:], one).flip(-1), len(lead)).flip(-1)
    others = (left * right).reshape(x.shape)
    inverse = np.argsort(rest + list(axes))
    return others.permute(*inverse)


def _cat_last(a, b):
    return Concatenate.apply(a, b, axis=a.ndim - 1)


@tensor_method()
def prod(input: Tensor, dim: Dim = None, keepdim: bool = False, dtype: DTypeLike | None = None,
         axis: Dim = None, keepdims: bool | None = None) -> Tensor:
    """The product over ``dim`` (all elements by default); integers multiply in int64."""
    input = as_tensor(input)
    if dtype is not None:
        input = input.astype(dtype)
    elif input.dtype.kind in "biu":
        input = input.astype(np.int64)
    axes = _axes(input, pick(dim, axis), "prod()")
    return Prod.apply(input, axes, keep(keepdim, keepdims))


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
    axes = _axes(input, pick(dim, axis), "count_nonzero()")
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
    axes = _axes(input, pick(dim, axis), "nansum()")
    clean, _ = _without_nan(input)
    return clean.sum(axis=axes, keepdims=keep(keepdim, keepdims))


@tensor_method()
def nanmean(input: Tensor, dim: Dim = None, keepdim: bool = False, dtype: DTypeLike | None = None,
            axis: Dim = None, keepdims: bool | None = None) -> Tensor:
    """The mean over ``dim`` of the elements that are not NaN."""
    input = as_tensor(input)
    if dtype is not None:
        input = input.astype(dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"nanmean(): expected a floating point tensor, got dtype {input.dtype}")
    axes = _axes(input, pick(dim, axis), "nanmean()")
    clean, nan = _without_nan(input)
    count = np.sum(~nan, axis=axes, keepdims=keep(keepdim, keepdims)).astype(input.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return clean.sum(axis=axes, keepdims=keep(keepdim, keepdims)) / constant(count)


def _logical_reduce(input, dim, keepdim, ufunc, op):
    input = as_tensor(input)
    axes = _axes(input, dim, op)
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
