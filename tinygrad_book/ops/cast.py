"""dtype conversion and copying: ``astype``/``to``/``float``/``double``/``long``, ``clone``."""
import numpy as np

from ..autograd import Function
from ..registry import tensor_method


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
def astype(self, dtype):
    """Convert to ``dtype`` (differentiable between float types)."""
    dtype = np.dtype(dtype)
    if dtype == self.data.dtype:
        return self
    return Cast.apply(self, dtype)


@tensor_method
def to(self, dtype_or_device):
    """``t.to(np.float64)`` converts; ``t.to("cpu")`` is ``t`` (everything lives on the CPU)."""
    if isinstance(dtype_or_device, str) and dtype_or_device.split(":")[0] == "cpu":
        return self
    return astype(self, dtype_or_device)


@tensor_method("float")
def float_(self):
    return astype(self, np.float32)


@tensor_method
def double(self):
    return astype(self, np.float64)


@tensor_method
def long(self):
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
def clone(self):
    """A differentiable copy in new memory."""
    return Clone.apply(self)
