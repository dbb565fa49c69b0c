"""The reductions that are Functions: sum, mean, max, min, logsumexp, prod (and var/std,
composed of them). Reductions composed of these, or outside the graph (argmax, any,
count_nonzero, ...), are in ``reductions.py``.

``axis`` (or PyTorch's ``dim``) is an int, a tuple of ints or ``None`` (all
axes); negative values count from the end; ``keepdims`` keeps the reduced axes
with length 1. The backward of a reduction spreads the gradient back over the
reduced axes: broadcasting is the adjoint of summing. Each Function is
followed by the Tensor method that validates the arguments and applies it.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..autograd import Function
from ..checks import DimensionError
from ..registry import tensor_method
from .front import as_tensor, constant, keep, pick, reduce_dims
from .join import Concatenate
from .operands import floating
from .scan import CumProd
from .select import where

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor


def _with_dtype(t, dtype):
    return t if dtype is None or t.dtype == np.dtype(dtype) else t.astype(dtype)


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _spread(g, ctx):
    """Gradient of the reduced output, broadcast back over the reduced axes."""
    if not ctx.keepdims:
        g = g.reshape(ctx.kept_shape)
    return g.expand(ctx.in_shape)


def _spread_array(g, ctx):
    """``_spread`` on arrays: a read-only broadcast view, no copy."""
    return np.broadcast_to(g if ctx.keepdims else g.reshape(ctx.kept_shape), ctx.in_shape)


class Sum(Function):
    """z = Σ a over ``axis``;  dz/da = 1 for every summed element."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.in_shape, ctx.keepdims = a.shape, keepdims
        ctx.kept_shape = _kept_shape(a.shape, axis)
        if a.dtype == np.float16:  # accumulate in float32, as PyTorch
            return np.sum(a, axis=axis, keepdims=keepdims, dtype=np.float32).astype(a.dtype)
        return np.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return _spread(g, ctx)

    @staticmethod
    def array_backward(ctx, g):
        return _spread_array(g, ctx)


@tensor_method("sum")
def sum_(self: Tensor, dim: Dim = None, keepdim: bool = False, dtype: DTypeLike | None = None, *,
         axis: Dim = None, keepdims: bool = False) -> Tensor:
    """The sum over ``dim`` (all elements by default), in ``dtype`` if given; integers and
    bools sum in int64, as PyTorch."""
    axes = reduce_dims(pick(dim, axis), self.ndim, "sum", "axis")
    x = self if dtype is not None or self.dtype.kind not in "biu" else self.astype(np.int64)
    return Sum.apply(_with_dtype(x, dtype), axis=axes, keepdims=keep(keepdim, keepdims))

class Mean(Function):
    """z = (1/n) Σ a over ``axis``;  dz/da = 1/n."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.in_shape, ctx.keepdims = a.shape, keepdims
        ctx.kept_shape = _kept_shape(a.shape, axis)
        ctx.count = max(int(np.prod([a.shape[i] for i in axis])), 1)
        if a.dtype == np.float16:  # accumulate in float32, as PyTorch
            return np.mean(a, axis=axis, keepdims=keepdims, dtype=np.float32).astype(a.dtype)
        return np.mean(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return _spread(g, ctx) / ctx.count

    @staticmethod
    def array_backward(ctx, g):
        return _spread_array(g, ctx) / g.dtype.type(ctx.count)


@tensor_method
def mean(self: Tensor, dim: Dim = None, keepdim: bool = False, dtype: DTypeLike | None = None, *,
         axis: Dim = None, keepdims: bool = False) -> Tensor:
    """The mean over ``dim`` (all elements by default), in ``dtype`` if given."""
    axes = reduce_dims(pick(dim, axis), self.ndim, "mean", "axis")
    x = floating(self) if dtype is None else _with_dtype(self, dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"mean(): dtype must be a floating point dtype, got {x.dtype}")
    return Mean.apply(x, axis=axes, keepdims=keep(keepdim, keepdims))

class _Extremum(Function):
    """Shared backward of max/min: the gradient goes to the extreme elements,
    split evenly among ties (as ``torch.amax``/``torch.amin``)."""

    reduce: Callable[..., Any]   # np.max or np.min, set by each subclass

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False):
        empty = [i for i in axis if a.shape[i] == 0]
        if empty:
            # PyTorch's rule: an empty tensor reduces fine over dims that are not empty.
            # Both IndexError (PyTorch's) and ValueError, as an empty dim has no extremum.
            raise DimensionError(f"{cls.__name__.lower()}: cannot reduce an empty tensor of "
                                 f"shape {a.shape} over dim {empty[0]}, which has size 0")
        ctx.in_shape, ctx.keepdims = a.shape, keepdims
        ctx.kept_shape = _kept_shape(a.shape, axis)
        out = cls.reduce(a, axis=axis, keepdims=True)
        hit = a == out
        share = hit / hit.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(share.astype(a.dtype, copy=False))
        return out if keepdims else out.reshape(tuple(
            s for i, s in enumerate(a.shape) if i not in axis))

    @staticmethod
    def backward(ctx, g):
        (share,) = ctx.saved_tensors
        return _spread(g, ctx) * share


class Max(_Extremum):
    reduce = staticmethod(np.max)


class Min(_Extremum):
    reduce = staticmethod(np.min)


@tensor_method("max")
def max_(self: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    """Largest values over ``dim`` (values only, as NumPy; see ``argmax``)."""
    axes = reduce_dims(pick(dim, axis), self.ndim, "max", "axis")
    return Max.apply(self, axis=axes, keepdims=keep(keepdim, keepdims))


@tensor_method("min")
def min_(self: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    """Smallest values over ``dim`` (values only, as NumPy; see ``argmin``)."""
    axes = reduce_dims(pick(dim, axis), self.ndim, "min", "axis")
    return Min.apply(self, axis=axes, keepdims=keep(keepdim, keepdims))


class LogSumExp(Function):
    """z = ln Σ e^a, computed as m + ln Σ e^(a-m);  dz/da = e^(a - z) (the softmax)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.in_shape, ctx.keepdims = a.shape, keepdims
        ctx.kept_shape = _kept_shape(a.shape, axis)
        m = np.max(a, axis=axis, keepdims=True, initial=-np.inf)  # -inf over an empty axis
        m = np.where(np.isfinite(m), m, 0).astype(a.dtype, copy=False)
        with np.errstate(divide="ignore"):  # every entry -inf: the answer is -inf
            out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
        if not keepdims:
            out = out.reshape(tuple(s for i, s in enumerate(a.shape) if i not in axis))
        # Saving the output itself (not a copy) keeps z in the graph, so the
        # second derivative sees that z depends on a.
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return _spread(g, ctx) * (a - out.reshape(ctx.kept_shape)).exp()


@tensor_method
def logsumexp(self: Tensor, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
              keepdims: bool = False) -> Tensor:
    """ln Σ e^x over ``dim``, stable for large x."""
    axes = reduce_dims(pick(dim, axis), self.ndim, "logsumexp", "axis")
    return LogSumExp.apply(floating(self), axis=axes, keepdims=keep(keepdim, keepdims))


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
    axes = reduce_dims(pick(dim, axis), input.ndim, "prod()")
    return Prod.apply(input, axes, keep(keepdim, keepdims))


@tensor_method
def var(self: Tensor, axis: Dim = None, keepdims: bool = False, correction: int = 1,
        dim: Dim = None, unbiased: bool | None = None, ddof: int | None = None,
        keepdim: bool = False) -> Tensor:
    """Variance over ``axis``; ``correction=1`` (PyTorch's default) divides by n - 1.

    ``unbiased=False`` or NumPy's ``ddof=0`` divide by n.
    """
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if ddof is not None:
        correction = ddof
    axes = reduce_dims(pick(dim, axis), self.ndim, "var", "axis")
    keepdims = keep(keepdim, keepdims)
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


class StdSqrt(Function):
    """z = √v, the last step of std = √var;  dz/dv = 1/(2z), taken as 0 where z = 0.

    A constant slice has std 0, where 1/(2z) is inf and var's gradient 0: their product would
    be nan. PyTorch's std backward masks it to 0, and so does this one.
    """

    @staticmethod
    def forward(ctx, v):
        out = np.sqrt(v)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        zero = out.data == 0
        if not zero.any():
            return g / (out * 2)
        one, nought = (registry.constant(np.asarray(v, dtype=out.dtype)) for v in (1, 0))
        safe = where(zero, one, out)
        return where(zero, nought, g / (safe * 2))


@tensor_method
def std(self: Tensor, axis: Dim = None, keepdims: bool = False, correction: int = 1,
        dim: Dim = None, unbiased: bool | None = None, ddof: int | None = None,
        keepdim: bool = False) -> Tensor:
    """Standard deviation: the square root of ``var`` with the same arguments."""
    # StdSqrt, not sqrt: its gradient is 0 (not nan) where a slice is constant, as PyTorch.
    return StdSqrt.apply(var(self, axis, keepdims, correction, dim, unbiased, ddof, keepdim))
