"""dtype conversion and copying: ``astype``/``to``/``float``/``double``/``long``, ``clone``."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from ..registry import tensor_method

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import DTypeLike
    from tinygrad_book.tensor import Tensor


class Cast(Function):
    """z = a converted to ``dtype``; the gradient is converted back."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.input_dtype), None

    @staticmethod
    def array_backward(ctx, g):
        return g.astype(ctx.input_dtype), None


@tensor_method
def astype(self: Tensor, dtype: DTypeLike) -> Tensor:
    """Convert to ``dtype`` (differentiable between float types)."""
    dtype = np.dtype(dtype)
    if dtype == self.data.dtype:
        return self
    return Cast.apply(self, dtype)


@tensor_method
def to(self: Tensor, dtype_or_device: Any) -> Tensor:
    """``t.to(np.float64)`` converts; ``t.to("cpu")`` is ``t`` (everything lives on the CPU)."""
    if isinstance(dtype_or_device, str) and dtype_or_device.split(":")[0] == "cpu":
        return self
    return astype(self, dtype_or_device)


@tensor_method("float")
def float_(self: Tensor) -> Tensor:
    return astype(self, np.float32)


@tensor_method
def double(self: Tensor) -> Tensor:
    return astype(self, np.float64)


@tensor_method
def long(self: Tensor) -> Tensor:
    return astype(self, np.int64)


class Clone(Function):
    """z = a copied to new memory; dz/da = 1."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def array_backward(ctx, g):
        return g


@tensor_method
def clone(self: Tensor) -> Tensor:
    """A differentiable copy in new memory."""
    return Clone.apply(self)
