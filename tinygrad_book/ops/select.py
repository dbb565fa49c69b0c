"""Selection and comparison: ``where`` (differentiable) and ``==``, ``<``, ... (not).

Comparisons give boolean tensors outside the graph, as in PyTorch: a mask
has no gradient. ``where`` picks between two tensors by such a mask and
routes the gradient to the one that was picked.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..autograd import Function
from ..registry import tensor_method
from .operands import as_operand, promote

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


class Where(Function):
    """z = a where cond else b; the condition itself has no gradient."""

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = registry.constant(np.zeros((), dtype=g.dtype))
        return (None,
                where(cond, g, zero) if ctx.needs_input_grad[1] else None,
                where(cond, zero, g) if ctx.needs_input_grad[2] else None)


def where(cond: Tensor | ArrayLike, a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (all three broadcast together).

    ``a`` and ``b`` follow the binary ops' type promotion, so Python numbers
    take the other operand's float dtype and two numbers give float32.
    """
    Tensor = registry.Tensor
    cond_arr = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    x, y = as_operand(a, like), as_operand(b, like)
    if x.data.dtype.kind != y.data.dtype.kind:
        x, y = promote(x, y, x.data.dtype, y.data.dtype, False)
    return Where.apply(cond_arr, x, y)


def _compare(self, other, op):
    other = other.data if isinstance(other, registry.Tensor) else other
    return registry.constant(np.asarray(op(self.data, other)))


@tensor_method("__eq__")  # Tensor.eq: logic.py
def eq(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return _compare(self, other, np.equal)


@tensor_method("__ne__")  # Tensor.ne: logic.py
def ne(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return _compare(self, other, np.not_equal)


@tensor_method("__lt__")  # Tensor.lt: logic.py
def lt(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return _compare(self, other, np.less)


@tensor_method("__le__")  # Tensor.le: logic.py
def le(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return _compare(self, other, np.less_equal)


@tensor_method("__gt__")  # Tensor.gt: logic.py
def gt(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return _compare(self, other, np.greater)


@tensor_method("__ge__")  # Tensor.ge: logic.py
def ge(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return _compare(self, other, np.greater_equal)
