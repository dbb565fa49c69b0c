"""Scans along a dimension: cumsum, cumprod, cummax, cummin, logcumsumexp.

A scan's output i depends on inputs 0..i, so each backward is a scan in the
other direction (a reversed cumulative sum of the gradient, for cumsum).
cummax/cummin pick elements, so their values are a ``gather`` at the indices
they return, and the gradient goes back to the elements picked.
"""
from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from .front import as_tensor, constant, dim_arg, tensor_method
from .indexing import gather
from .select import Where

if TYPE_CHECKING:
    from tinygrad_book._typing import DTypeLike
    from tinygrad_book.tensor import Tensor

cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


def _scan_input(input, dim, dtype, op):
    input = as_tensor(input)
    dim = dim_arg(dim, input.ndim, op)
    if dtype is not None:
        input = input.astype(dtype)
    elif input.dtype.kind in "biu":
        input = input.astype(np.int64)  # PyTorch accumulates integers in int64
    return input, dim


class CumSum(Function):
    """z_i = Σ_{j<=i} a_j along ``dim``;  dL/da_j = Σ_{i>=j} g_i (a reversed cumsum)."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return np.cumsum(a, axis=dim) if a.ndim else a.copy()

    @staticmethod
    def backward(ctx, g):
        return _reverse_cumsum(g, ctx.dim), None


def _reverse_cumsum(g, dim):
    if g.ndim == 0:
        return g
    return CumSum.apply(g.flip(dim), dim).flip(dim)


@tensor_method()
def cumsum(input: Tensor, dim: int, dtype: DTypeLike | None = None) -> Tensor:
    """Running sums along ``dim`` (integers and bools sum in int64, as PyTorch)."""
    input, dim = _scan_input(input, dim, dtype, "cumsum()")
    return CumSum.apply(input, dim)


def _running(ctx, a, dim, accumulate):
    """The forward of a scan whose backward needs its input and output: ``accumulate``
    along ``dim`` (a 0-d input is its own running result)."""
    ctx.dim = dim
    out = accumulate(a, axis=dim) if a.ndim else a.copy()
    ctx.save_for_backward(a, out)
    return out


class CumProd(Function):
    """z_i = Π_{j<=i} a_j along ``dim``;
    dL/da_j = Σ_{i>=j} g_i Π_{k<=i, k≠j} a_k  (= Σ_{i>=j} g_i z_i / a_j without zeros)."""

    @staticmethod
    def forward(ctx, a, dim):
        return _running(ctx, a, dim, np.cumprod)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return g, None
        if not (a.data == 0).any():
            return _reverse_cumsum(g * out, ctx.dim) / a, None
        return _cumprod_grad_with_zeros(a, g, ctx.dim), None


def _cumprod_grad_with_zeros(a, g, dim):
    """The exact gradient when some a_k = 0 (z/a would be 0/0): for each j, the
    running products of a with a_j replaced by 1, weighted by g and summed (O(n²))."""
    x, g = a.movedim(dim, -1), g.movedim(dim, -1)
    n = x.shape[-1]
    eye = np.eye(n, dtype=bool)
    others = Where.apply(eye, constant(np.ones((), x.dtype)), x.unsqueeze(-2).expand(
        x.shape[:-1] + (n, n)))                       # row j: a with a_j := 1
    runs = CumProd.apply(others, others.ndim - 1)     # [j, i] = Π_{k<=i, k≠j} a_k
    later = constant(np.triu(np.ones((n, n), x.dtype)))   # i >= j
    return (runs * later * g.unsqueeze(-2)).sum(axis=-1).movedim(-1, dim)


@tensor_method()
def cumprod(input: Tensor, dim: int, dtype: DTypeLike | None = None) -> Tensor:
    """Running products along ``dim``; exact gradients also where an element is 0."""
    input, dim = _scan_input(input, dim, dtype, "cumprod()")
    return CumProd.apply(input, dim)


def _running_extreme(input, dim, better, op):
    """Indices of the running max/min along ``dim`` (the last one at ties, as PyTorch)."""
    if input.ndim == 0:
        return np.zeros((), np.int64)
    x = np.moveaxis(input.data, dim, -1)
    idx = np.zeros(x.shape, np.int64)
    if x.shape[-1]:
        best, cur = x[..., 0].copy(), np.zeros(x.shape[:-1], np.int64)
        for i in range(1, x.shape[-1]):
            take = better(x[..., i], best) | np.isnan(x[..., i]) & ~np.isnan(best)
            best = np.where(take, x[..., i], best)
            cur = np.where(take, i, cur)
            idx[..., i] = cur
    return np.moveaxis(idx, -1, dim)


def _cum_extreme(input, dim, better, op, result):
    input = as_tensor(input)
    dim = dim_arg(dim, input.ndim, op)
    idx = _running_extreme(input, dim, better, op)
    values = gather(input, dim, idx) if input.ndim else input.clone()
    return result(values, constant(idx))


@tensor_method()
def cummax(input: Tensor, dim: int) -> tuple[Tensor, ...]:
    """Running maxima along ``dim`` and their indices (values, indices)."""
    return _cum_extreme(input, dim, np.greater_equal, "cummax()", cummax_result)


@tensor_method()
def cummin(input: Tensor, dim: int) -> tuple[Tensor, ...]:
    """Running minima along ``dim`` and their indices (values, indices)."""
    return _cum_extreme(input, dim, np.less_equal, "cummin()", cummin_result)


class LogCumSumExp(Function):
    """z_i = ln Σ_{j<=i} e^(a_j) along ``dim``, without overflow;
    dL/da_j = Σ_{i>=j} g_i e^(a_j - z_i)."""

    @staticmethod
    def forward(ctx, a, dim):
        return _running(ctx, a, dim, np.logaddexp.accumulate)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return g, None
        x, z, g = a.movedim(ctx.dim, -1), out.movedim(ctx.dim, -1), g.movedim(ctx.dim, -1)
        n = x.shape[-1]
        later = np.triu(np.ones((n, n), dtype=bool))          # [j, i]: i >= j
        # a_j - z_i <= 0 wherever i >= j, so the exponentials never overflow.
        diff = Where.apply(later, x.unsqueeze(-1) - z.unsqueeze(-2),
                           constant(np.array(-np.inf, x.dtype)))
        return (diff.exp() * g.unsqueeze(-2)).sum(axis=-1).movedim(-1, ctx.dim), None


@tensor_method()
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """ln of the running sums of e^x along ``dim``, stable for large x."""
    input = as_tensor(input)
    dim = dim_arg(dim, input.ndim, "logcumsumexp()")
    if input.dtype.kind != "f":
        input = input.astype(np.float32)
    return LogCumSumExp.apply(input, dim)
