"""Elementwise maths of two inputs: atan2, logaddexp, copysign, hypot, xlogy, lerp.

The inputs broadcast together and follow the binary operators' type promotion
(a Python number takes the tensor's dtype; integers are computed in float32).
The engine sums each gradient back to its input's shape.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from .elementwise import SavesInputs, SavesOutput
from .front import as_tensor, float_pair, tensor_method

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


def _binary(fn, doc):
    """The front function (and Tensor method) of the two-input Function ``fn``: both
    inputs made one floating dtype (integers become float32), then ``fn.apply``."""
    def front(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
        return fn.apply(*float_pair(input, other))
    front.__doc__ = doc
    return front


class Atan2(SavesInputs):
    """z = atan2(a, b), the angle of the point (b, a);
    dz/da = b/(a² + b²), dz/db = -a/(a² + b²)."""

    ufunc = np.arctan2

    @staticmethod
    def grads(needs, g, a, b):
        scale = g / (a * a + b * b)
        return scale * b, -scale * a


atan2 = tensor_method("atan2", "arctan2")(
    _binary(Atan2, "Elementwise angle of (other, input) in radians, in (-π, π]."))


class LogAddExp(SavesOutput):
    """z = ln(e^a + e^b), without overflow;  dz/da = e^(a - z), dz/db = e^(b - z)."""

    ufunc = np.logaddexp

    @staticmethod
    def grads(needs, g, a, b, out):
        return g * (a - out).exp(), g * (b - out).exp()


logaddexp = tensor_method("logaddexp")(
    _binary(LogAddExp, "ln(e^x + e^y), elementwise and stable for large |x|, |y|."))


class Copysign(Function):
    """z = |a| with the sign of b;  dz/da = z/a (0 at a = 0, as PyTorch), dz/db = 0."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.copysign(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(a == 0, 0, out / np.where(a == 0, 1, a)).astype(out.dtype)
        ctx.save_for_backward(ratio)
        return out

    @staticmethod
    def backward(ctx, g):
        (ratio,) = ctx.saved_tensors
        return g * ratio, None


copysign = tensor_method("copysign")(
    _binary(Copysign, "The magnitude of ``input`` with the sign of ``other``, elementwise."))


class Hypot(SavesOutput):
    """z = √(a² + b²);  dz/da = a/z, dz/db = b/z."""

    ufunc = np.hypot

    @staticmethod
    def grads(needs, g, a, b, out):
        return g * a / out, g * b / out


hypot = tensor_method("hypot")(
    _binary(Hypot, "√(x² + y²), elementwise, without overflow for large x, y."))


class Xlogy(Function):
    """z = a ln b, and 0 where a = 0 (unless b is NaN);
    dz/da = ln b (0 where a = 0 and b <= 0), dz/db = a/b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a * np.log(b)
        return np.where((a == 0) & ~np.isnan(b), 0, out).astype(out.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = Xlogy.apply(g, b)
            ga = ga.masked_fill((a == 0) & (b <= 0), 0)
        if ctx.needs_input_grad[1]:
            gb = g * a / b
        return ga, gb


xlogy = tensor_method("xlogy")(
    _binary(Xlogy, "x · ln y, taken as 0 where x = 0 (so 0 · ln 0 = 0, as in entropy sums)."))


@tensor_method()
def lerp(input: Tensor, end: Tensor | ArrayLike, weight: Tensor) -> Tensor:
    """input + weight · (end - input); differentiable in all three."""
    input = as_tensor(input)
    return input + weight * (end - input)


@tensor_method()
def square(input: Tensor) -> Tensor:
    """x², elementwise (integers stay integers, as in PyTorch)."""
    input = as_tensor(input)
    return input * input
