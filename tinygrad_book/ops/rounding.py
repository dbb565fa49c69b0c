"""Rounding and integer arithmetic: floor, ceil, round, trunc, frac, sign, //, %,
fmod, remainder and div with a rounding mode.

Gradients are PyTorch's: rounding is a step function, so floor, ceil, round,
trunc, sign and the rounded divisions have gradient 0 everywhere (``//``
included; PyTorch refuses to differentiate it, its twin ``div(rounding_mode=
'floor')`` gives 0). frac, remainder and fmod have the slope 1 of their input.
On integer tensors floor, ceil, round and trunc return the tensor unchanged.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import checks
from ..autograd import Function
from .front import as_tensor, constant, float_arg, float_pair, pair, tensor_method

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


class Rounded(Function):
    """z = round_fn(a) for a step function (floor, ceil, trunc, sign...);  dz/da = 0."""

    @staticmethod
    def forward(ctx, a, how, decimals=0):
        if how == "round":
            return np.round(a, decimals)
        return _STEP[how](a)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g), None


def _zeros(g):
    return constant(np.zeros(g.shape, dtype=g.dtype))


_STEP = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "sign": np.sign}


def _rounded(input, how, decimals=0):
    input = as_tensor(input)
    if input.dtype.kind != "f" and how != "sign":
        return input
    if input.dtype.kind == "b":
        return input
    return Rounded.apply(input, how, decimals=decimals)


@tensor_method()
def floor(input: Tensor) -> Tensor:
    """The largest integer <= x, elementwise (gradient 0)."""
    return _rounded(input, "floor")


@tensor_method()
def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= x, elementwise (gradient 0)."""
    return _rounded(input, "ceil")


@tensor_method("trunc", "fix")
def trunc(input: Tensor) -> Tensor:
    """x rounded towards zero, elementwise (gradient 0)."""
    return _rounded(input, "trunc")


@tensor_method()
def round(input: Tensor, decimals: int = 0) -> Tensor:
    """x rounded to ``decimals`` places, halves to even as PyTorch and NumPy (gradient 0)."""
    if not checks.is_int(decimals):
        raise TypeError(f"round(): decimals must be an int, got {decimals!r}")
    return _rounded(input, "round", int(decimals))


@tensor_method()
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of x, elementwise (gradient 0)."""
    return _rounded(input, "sign")


@tensor_method()
def frac(input: Tensor) -> Tensor:
    """x - trunc(x): the fractional part with the sign of x (gradient 1)."""
    input = float_arg(input, None, "frac()")
    return input - trunc(input).detach()


class _Modulo(Function):
    """z = a - q·b for the quotient q = a/b rounded by ``rounding``;  dz/da = 1,
    dz/db = -q (q is piecewise constant). Remainder and Fmod differ only in the rounding."""

    ufunc: Callable[..., Any]   # np.remainder or np.fmod
    rounding: str               # div's rounding_mode: "floor" or "trunc"

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.ufunc(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        gb = -g * div(a, b, rounding_mode=cls.rounding) if ctx.needs_input_grad[1] else None
        return g, gb


class Remainder(_Modulo):
    """z = a - floor(a/b)·b, the sign of b (Python's %);  dz/da = 1, dz/db = -floor(a/b)."""

    ufunc, rounding = staticmethod(np.remainder), "floor"


@tensor_method("remainder", "__mod__")
def remainder(input: Tensor | ArrayLike, other: Tensor | ArrayLike) -> Tensor:
    """Python's modulus, elementwise: the result has the sign of ``other``."""
    return _integer_safe(Remainder, input, other, "remainder")


@tensor_method("__rmod__")
def _rmod(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return remainder(other, self)


class Fmod(_Modulo):
    """z = a - trunc(a/b)·b, the sign of a (C's fmod);  dz/da = 1, dz/db = -trunc(a/b)."""

    ufunc, rounding = staticmethod(np.fmod), "trunc"


@tensor_method()
def fmod(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """C's remainder, elementwise: the result has the sign of ``input``."""
    return _integer_safe(Fmod, input, other, "fmod")


class RoundedDiv(Function):
    """z = floor(a/b) or trunc(a/b);  dz/da = dz/db = 0, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b, mode="floor"):
        if a.dtype.kind in "iu" and b.dtype.kind in "iu":
            q = np.floor_divide(a, b)
            if mode == "trunc":  # floor and trunc differ where the signs differ
                q = q + ((q < 0) & (q * b != a))
            return q
        q = np.true_divide(a, b)
        return np.floor(q) if mode == "floor" else np.trunc(q)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g), _zeros(g)


@tensor_method()
def div(input: Tensor | ArrayLike, other: Tensor | ArrayLike,
        rounding_mode: str | None = None) -> Tensor:
    """input / other; ``rounding_mode`` None (true division), 'trunc' or 'floor'."""
    if rounding_mode is None:
        a, b = pair(input, other)
        return a / b
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div(): rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    return _integer_safe(RoundedDiv, input, other, "div", mode=rounding_mode)


divide = div
true_divide = tensor_method("true_divide")(lambda input, other: div(input, other))
tensor_method("divide")(div)


@tensor_method("floor_divide", "__floordiv__")
def floor_divide(input: Tensor | ArrayLike, other: Tensor | ArrayLike) -> Tensor:
    """floor(input / other), elementwise (Python's //); gradient 0."""
    return div(input, other, rounding_mode="floor")


@tensor_method("__rfloordiv__")
def _rfloordiv(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return floor_divide(other, self)


def _integer_safe(fn: type[Function], input: Any, other: Any, op: str, **kwargs: Any) -> Tensor:
    """Apply ``fn`` to integer operands as integers, else in one float dtype; an
    integer division by zero is an error (NumPy would give 0 and a warning)."""
    a, b = pair(input, other)
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        if (np.asarray(b.data) == 0).any():
            raise ZeroDivisionError(f"{op}(): integer division by zero")
        if a.dtype.kind == "b" or b.dtype.kind == "b":
            a, b = a.long() if a.dtype.kind == "b" else a, b.long() if b.dtype.kind == "b" else b
        return fn.apply(a, b, **kwargs)
    return fn.apply(*float_pair(a, b), **kwargs)
