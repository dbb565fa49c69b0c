"""Elementwise maths beyond the book's: tan, inverse trig and hyperbolic functions,
logarithms and exponentials of other bases, rsqrt, reciprocal, erf, erfinv.

Each Function keeps its forward and its derivative side by side (the docstring
gives dz/da); integer inputs are computed in float32, as PyTorch does.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from . import _special
from .front import as_tensor, floating, tensor_method, unary_front

if TYPE_CHECKING:
    from tinygrad_book.tensor import Tensor


class Tan(Function):
    """z = tan a;  dz/da = 1 + z²."""

    @staticmethod
    def forward(ctx, a):
        out = np.tan(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 + out * out)


class Asin(Function):
    """z = asin a;  dz/da = 1/√(1 - a²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arcsin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (1 - a * a).rsqrt()


class Acos(Function):
    """z = acos a;  dz/da = -1/√(1 - a²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arccos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * (1 - a * a).rsqrt()


class Atan(Function):
    """z = atan a;  dz/da = 1/(1 + a²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (1 + a * a)


class Sinh(Function):
    """z = sinh a;  dz/da = cosh a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sinh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.cosh()


class Cosh(Function):
    """z = cosh a;  dz/da = sinh a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cosh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.sinh()


class Asinh(Function):
    """z = asinh a;  dz/da = 1/√(a² + 1)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arcsinh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (a * a + 1).rsqrt()


class Acosh(Function):
    """z = acosh a (a >= 1);  dz/da = 1/√(a² - 1)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arccosh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (a * a - 1).rsqrt()


class Atanh(Function):
    """z = atanh a (|a| < 1);  dz/da = 1/(1 - a²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctanh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (1 - a * a)


class LogBase(Function):
    """z = log_b a = ln a / ln b;  dz/da = 1/(a ln b)  (``log2``, ``log10``)."""

    @staticmethod
    def forward(ctx, a, base):
        ctx.save_for_backward(a)
        ctx.log_base = math.log(base)
        return np.log2(a) if base == 2 else np.log10(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * ctx.log_base)


class Log1p(Function):
    """z = ln(1 + a), exact for small a;  dz/da = 1/(1 + a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1)


class Expm1(Function):
    """z = e^a - 1, exact for small a;  dz/da = z + 1."""

    @staticmethod
    def forward(ctx, a):
        out = np.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1)


class Exp2(Function):
    """z = 2^a;  dz/da = z ln 2."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp2(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * math.log(2)


class Rsqrt(Function):
    """z = 1/√a;  dz/da = -z³/2."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore"):
            out = (1 / np.sqrt(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * out * out * -0.5


class Reciprocal(Function):
    """z = 1/a;  dz/da = -z²."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore"):
            out = (1 / a).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -g * out * out


# NumPy has no erf: Cody's rational approximation, exact to float64 rounding (``_special``).
_erf = _special.erf


def _erfinv(y):
    """Inverse of erf in float64: Giles' (2010) single-precision starting point,
    refined by two Newton steps on erf(x) - y."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1 - y) * (1 + y))
        small = w < 5
        ws, wl = w - 2.5, np.sqrt(np.where(small, 5, w)) - 3
        p_small = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                              0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                              1.50140941], ws)
        p_large = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                              0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
                              2.83297682], wl)
        x = np.where(small, p_small, p_large) * y
        for _ in range(2):
            x = x - (_erf(x) - y) / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    x = np.where(np.abs(y) == 1, np.copysign(np.inf, y), x)
    return np.where(np.abs(y) > 1, np.nan, x)


class Erf(Function):
    """z = erf a = (2/√π) ∫₀ᵃ e^(-t²) dt;  dz/da = (2/√π) e^(-a²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _erf(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (-(a * a)).exp() * (2 / math.sqrt(math.pi))


class Erfinv(Function):
    """z = erf⁻¹ a (|a| <= 1);  dz/da = (√π/2) e^(z²)."""

    @staticmethod
    def forward(ctx, a):
        out = _erfinv(a).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * out).exp() * (math.sqrt(math.pi) / 2)


def _unary(fn, doc):
    """The front function (and Tensor method) of the one-input Function ``fn``."""
    return unary_front(lambda input: fn.apply(floating(input)), doc)


tan = tensor_method("tan")(_unary(Tan, "tan x, elementwise."))
asin = tensor_method("asin", "arcsin")(_unary(Asin, "Inverse sine, elementwise."))
acos = tensor_method("acos", "arccos")(_unary(Acos, "Inverse cosine, elementwise."))
atan = tensor_method("atan", "arctan")(_unary(Atan, "Inverse tangent, elementwise."))
sinh = tensor_method("sinh")(_unary(Sinh, "Hyperbolic sine, elementwise."))
cosh = tensor_method("cosh")(_unary(Cosh, "Hyperbolic cosine, elementwise."))
asinh = tensor_method("asinh", "arcsinh")(_unary(Asinh, "Inverse hyperbolic sine."))
acosh = tensor_method("acosh", "arccosh")(_unary(Acosh, "Inverse hyperbolic cosine."))
atanh = tensor_method("atanh", "arctanh")(_unary(Atanh, "Inverse hyperbolic tangent."))
log1p = tensor_method("log1p")(_unary(Log1p, "ln(1 + x), exact for small x."))
expm1 = tensor_method("expm1")(_unary(Expm1, "e^x - 1, exact for small x."))
exp2 = tensor_method("exp2")(_unary(Exp2, "2^x, elementwise."))
rsqrt = tensor_method("rsqrt")(_unary(Rsqrt, "1/√x, elementwise."))
reciprocal = tensor_method("reciprocal")(_unary(Reciprocal, "1/x, elementwise."))
erf = tensor_method("erf")(_unary(Erf, "The error function, elementwise."))
erfinv = tensor_method("erfinv")(_unary(Erfinv, "The inverse error function, elementwise."))


@tensor_method()
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm, elementwise."""
    return LogBase.apply(floating(as_tensor(input)), base=2)


@tensor_method()
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm, elementwise."""
    return LogBase.apply(floating(as_tensor(input)), base=10)
