"""Maths functions on each element: exp, log, sqrt, sin, cos, clamp (the activations
tanh, sigmoid and relu are in ``activation.py``).

Each Function has its forward, its derivative (in the docstring and in
backward) and, right after it, the Tensor method that fronts it. Integer
tensors are converted to float32 first (NumPy would compute in float64).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..autograd import Function
from ..registry import tensor_method
from .operands import floating

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


class Exp(Function):
    """z = e^a;  dz/da = z."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out

    @staticmethod
    def array_backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g * out


@tensor_method
def exp(self: Tensor) -> Tensor:
    return Exp.apply(floating(self))


class Log(Function):
    """z = ln a;  dz/da = 1/a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a

    @staticmethod
    def array_backward(ctx, g):
        (a,) = ctx.saved_arrays
        return g / a


@tensor_method
def log(self: Tensor) -> Tensor:
    return Log.apply(floating(self))


class Sqrt(Function):
    """z = √a;  dz/da = 1/(2z)."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2)

    @staticmethod
    def array_backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g / (out * 2)


@tensor_method
def sqrt(self: Tensor) -> Tensor:
    return Sqrt.apply(floating(self))


class Sin(Function):
    """z = sin a;  dz/da = cos a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.cos()


@tensor_method
def sin(self: Tensor) -> Tensor:
    return Sin.apply(floating(self))


class Cos(Function):
    """z = cos a;  dz/da = -sin a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * a.sin()


@tensor_method
def cos(self: Tensor) -> Tensor:
    return Cos.apply(floating(self))


class Clamp(Function):
    """z = min(max(a, lo), hi);  dz/da = 1 inside [lo, hi] (bounds included), else 0."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        ctx.save_for_backward(inside)
        return np.clip(a, lo, hi).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside


@tensor_method("clamp", "clip")
def clamp(self: Tensor, min: Tensor | ArrayLike | None = None,
          max: Tensor | ArrayLike | None = None) -> Tensor:
    """Limit values to [min, max]; the gradient is 0 outside, as PyTorch."""
    if min is None and max is None:
        raise ValueError("clamp(): at least one of min and max must be given")
    # Tensor bounds act as constants (no gradient flows into them).
    lo = min.data if isinstance(min, registry.Tensor) else min
    hi = max.data if isinstance(max, registry.Tensor) else max
    return Clamp.apply(self, lo=lo, hi=hi)
