"""In-place updates for optimizers and initialisers: ``add_``, ``mul_``, ``zero_``...

They change ``.data`` directly and are not recorded, so on a tensor that
requires grad they are refused unless grad mode is off (``no_grad()``), as in
PyTorch. Each one bumps the tensor's version counter (shared with its views
and ``detach()``), so a backward that still needs the old values raises
instead of silently using the new ones. Writing through ``.data`` is not
counted: that stays the way to change a tensor behind autograd's back.

Operands may be Tensors, arrays or numbers that broadcast to the tensor's
shape; the tensor keeps its shape and dtype (a float64 operand is rounded into
a float32 tensor; a float into an integer one is refused).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..grad_mode import is_grad_enabled
from ..random import default_generator
from ..registry import tensor_method
from .elementwise import add, div, mul, sub
from .operands import scalar_array

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


def check_inplace(t, op):
    """Refuse an in-place change of ``t`` that the graph could not see."""
    if is_grad_enabled() and (t._requires_grad or t.grad_fn is not None):
        raise RuntimeError(
            f"{op}: an in-place change of a tensor that requires grad would corrupt "
            "the graph; wrap it in tinygrad_book.no_grad()")


def update(t: Tensor, op: str, fn: Callable[..., Any], *operands: Any) -> Tensor:
    """Check grad mode, then ``fn(t.data, *operands)`` and bump ``t``'s version.

    NumPy checks broadcasting and casting before it writes, so a refused
    update leaves the data (and the version) unchanged.
    """
    check_inplace(t, op)
    arrays = [x.data if isinstance(x, registry.Tensor) else x for x in operands]
    try:
        fn(t.data, *arrays)
    except (ValueError, TypeError) as exc:
        got = ", ".join(f"shape {np.shape(x)} dtype {np.result_type(x)}" for x in arrays)
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(f"{op}: cannot update a tensor of shape {t.shape} and dtype "
                   f"{t.dtype} in place with {got or 'no operands'}: {exc}") from None
    t._bump_version()
    return t


@tensor_method
def zero_(self: Tensor) -> Tensor:
    return update(self, "zero_()", lambda d: d.fill(0))


@tensor_method
def fill_(self: Tensor, value: Tensor | ArrayLike) -> Tensor:
    return update(self, "fill_()", np.copyto, value)


@tensor_method
def copy_(self: Tensor, src: Tensor) -> Tensor:
    return update(self, "copy_()", np.copyto, src)


@tensor_method
def add_(self: Tensor, other: Tensor | ArrayLike, alpha: float = 1) -> Tensor:
    """self += alpha * other."""
    return update(self, "add_()", lambda d, o: np.add(d, _scaled(o, alpha), out=d), other)


@tensor_method
def sub_(self: Tensor, other: Tensor | ArrayLike, alpha: float = 1) -> Tensor:
    """self -= alpha * other."""
    return update(self, "sub_()", lambda d, o: np.subtract(d, _scaled(o, alpha), out=d), other)


def _scaled(o, alpha):
    """``alpha * o`` for ``add_``/``sub_`` (an optimizer's ``p.add_(g, alpha=-lr)``): a float
    ``alpha`` as a 0-d array of ``o``'s dtype, which NumPy 2 multiplies 0.4 µs faster
    than a Python number."""
    if alpha == 1:
        return o
    if isinstance(o, np.ndarray) and o.dtype.kind == "f" and isinstance(alpha, (int, float)):
        return o * scalar_array(alpha, o.dtype)
    return o * alpha


@tensor_method
def mul_(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return update(self, "mul_()", lambda d, o: np.multiply(d, o, out=d), other)


@tensor_method
def div_(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return update(self, "div_()", lambda d, o: np.divide(d, o, out=d), other)


@tensor_method
def addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value: int = 1) -> Tensor:
    """self += value * t1 * t2."""
    return update(self, "addcmul_()", lambda d, a, b: np.add(
        d, _times(np.multiply(a, b), value), out=d), t1, t2)


@tensor_method
def addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value: int = 1) -> Tensor:
    """self += value * t1 / t2."""
    return update(self, "addcdiv_()", lambda d, a, b: np.add(
        d, _times(np.divide(a, b), value), out=d), t1, t2)


@tensor_method
def lerp_(self: Tensor, end: Tensor | ArrayLike, weight: Tensor) -> Tensor:
    """self += weight * (end - self)."""
    return update(self, "lerp_()", lambda d, e, w: np.add(d, _times(np.subtract(e, d), w), out=d),
                  end, weight)


@tensor_method
def clamp_(self: Tensor, min: Tensor | ArrayLike | None = None,
           max: Tensor | ArrayLike | None = None) -> Tensor:
    if min is None and max is None:
        raise ValueError("clamp_(): at least one of min and max must be given")
    return update(self, "clamp_()", lambda d: np.clip(d, min, max, out=d))


@tensor_method
def sqrt_(self: Tensor) -> Tensor:
    return update(self, "sqrt_()", lambda d: np.sqrt(d, out=d))


@tensor_method
def maximum_(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return update(self, "maximum_()", lambda d, o: np.maximum(d, o, out=d), other)


def _augmented(name, symbol, ufunc, out_of_place):
    """``t op= other``: in place, as in PyTorch, when autograd need not see it.

    On a tensor that requires grad (with grad mode on) the update cannot be
    done behind the graph's back, so it is recorded as ``t = t op other``.
    """
    def method(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
        if is_grad_enabled() and (self._requires_grad or self.grad_fn is not None or
                                  getattr(other, "_requires_grad", False)):
            return out_of_place(self, other)
        return update(self, symbol, lambda d, o: ufunc(d, o, out=d), other)

    method.__name__ = name
    method.__doc__ = f"``t {symbol} other``: in place unless autograd must record it."
    return tensor_method(name)(method)


iadd = _augmented("__iadd__", "+=", np.add, add)
isub = _augmented("__isub__", "-=", np.subtract, sub)
imul = _augmented("__imul__", "*=", np.multiply, mul)
itruediv = _augmented("__itruediv__", "/=", np.true_divide, div)


def _times(fresh, value):
    """``fresh * value``, written into ``fresh`` (a temporary of the caller's) when that
    gives the very same numbers: an optimizer step then makes one temporary, not two."""
    if isinstance(value, (int, float)) and value == 1:
        return fresh
    if isinstance(fresh, np.ndarray) and np.result_type(fresh, value) == fresh.dtype:
        return np.multiply(fresh, value, out=fresh)
    return fresh * value


def _draw_into(t, op, draw):
    """Fill ``t`` in place with ``draw(shape)`` from the global generator (one version bump)."""
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {t.dtype}")
    return update(t, op, lambda d: np.copyto(d, draw(d.shape), casting="unsafe"))


@tensor_method
def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0) -> Tensor:
    """Fill with samples uniform in [from_, to), in place (from ``manual_seed``'s generator)."""
    if not from_ <= to:
        raise ValueError(f"uniform_(): expected from_ <= to, got from_={from_}, to={to}")
    return _draw_into(self, "uniform_()", lambda shape: default_generator().uniform(
        from_, to, shape))


@tensor_method
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with normal samples of ``mean`` and ``std``, in place."""
    if not std >= 0:
        raise ValueError(f"normal_(): std must be non-negative, got {std}")
    return _draw_into(self, "normal_()", lambda shape: default_generator().normal(
        mean, std, shape))
