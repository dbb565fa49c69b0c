"""Activations (book sections 3.2, 3.5 and 5.5): every activation Function of the house.

Each Function keeps its forward and its derivative side by side (the docstring
gives dy/dx) and, right after it, its front: a Tensor method where PyTorch has
one (``relu``, ``sigmoid``, ``tanh``), otherwise a function that
``nn.functional``'s PyTorch-named front calls once it has checked the input
(a float Tensor) and taken ``inplace=``. The activations that are a few other
ops (ELU, SiLU, Hardtanh, ...) need no Function of their own: they are written
in ``nn/functional/activation_extra.py`` and differentiate through those ops.

The fronts here check the op's own arguments (a slope, ``approximate``, a dim),
so an error names the op and the argument wherever the op is called from.
Integer tensors are computed in float32 (NumPy would compute in float64).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import checks
from ..autograd import Function
from ..grad_mode import is_grad_enabled
from . import _special
from .front import as_tensor, floating, tensor_method
from .operands import one_of, zeros_for
from .select import where
from .unary_math import Erf

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinygrad_book._typing import DTypeLike
    from tinygrad_book.tensor import Tensor


class ReLU(Function):
    """z = max(0, a);  dz/da = 1 where z ≠ 0, else 0  (book eq. 5.7).

    NaN passes forward and lets the gradient through, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, a):
        zeros = zeros_for(a)
        # Not a select on a mask, which would turn NaN into 0: NaN passes.
        out = np.maximum(a, zeros)
        if ctx.needs_input_grad[0]:  # under no_grad (or a constant input) no mask is needed
            ctx.save_for_backward(out != zeros)
        return out

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask

    @staticmethod
    def array_backward(ctx, g):
        (mask,) = ctx.saved_arrays
        return g * mask


@tensor_method
def relu(self: Tensor) -> Tensor:
    return ReLU.apply(self)


class Sigmoid(Function):
    """z = 1 / (1 + e^-a);  dz/da = z (1 - z)  (book eq. 5.12).

    Computed from e^-|a| so that neither branch overflows for |a| in the thousands.
    """

    @staticmethod
    def forward(ctx, a):
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)

    @staticmethod
    def array_backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g * out * (one_of(out.dtype) - out)


@tensor_method
def sigmoid(self: Tensor) -> Tensor:
    return Sigmoid.apply(floating(self))


class Tanh(Function):
    """z = tanh a;  dz/da = 1 - z²."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)

    @staticmethod
    def array_backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g * (one_of(out.dtype) - out * out)


@tensor_method
def tanh(self: Tensor) -> Tensor:
    return Tanh.apply(floating(self))


class LogSigmoidCurve(Function):
    """y = log σ(x) = min(x, 0) - log(1 + e^-|x|), finite for any x;  dy/dx = σ(-x) = 1 - σ(x).

    Taking the log of ``sigmoid(x)`` instead gives -inf once σ underflows
    (x below about -88 in float32, -745 in float64).
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.minimum(x, x.dtype.type(0)) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()


def logsigmoid(input: Tensor) -> Tensor:
    """log(1 / (1 + e^-x)), computed stably (``F.logsigmoid``)."""
    return LogSigmoidCurve.apply(floating(as_tensor(input)))


class LeakyReLUCurve(Function):
    """y = x for x > 0, slope·x otherwise;  dy/dx = 1 or slope."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        # 1 where x > 0 else the slope, built by arithmetic (np.where branches per element).
        factor = np.multiply(x > 0, 1 - negative_slope, dtype=x.dtype)
        factor += x.dtype.type(negative_slope)
        ctx.save_for_backward(factor)
        return x * factor

    @staticmethod
    def backward(ctx, g):
        (factor,) = ctx.saved_tensors
        return g * factor


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else ``negative_slope``·x (``F.leaky_relu``)."""
    negative_slope = checks.finite(negative_slope, "negative_slope", "leaky_relu()")
    return LeakyReLUCurve.apply(floating(as_tensor(input)), negative_slope=negative_slope)


class GELUCurve(Function):
    """y = x Φ(x), Φ the standard normal CDF;  dy/dx = Φ(x) + x φ(x).

    Φ(x) = erfc(-x/√2)/2 from Cody's rational approximation (see ``_special``):
    exact to float64 rounding, including the far left tail. For a recorded
    backward (create_graph) Φ is rebuilt from x with the differentiable Erf.
    """

    @staticmethod
    def forward(ctx, x):
        cdf = _special.erfc(x * x.dtype.type(-1 / math.sqrt(2))) * x.dtype.type(0.5)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        x, cdf = ctx.saved_tensors
        if is_grad_enabled():
            # A recorded backward (create_graph) needs Φ as a function of x.
            cdf = (Erf.apply(x * (1 / math.sqrt(2))) + 1) * 0.5
        pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian Error Linear Unit (``F.gelu``).

    ``approximate='none'``: x·Φ(x) with the exact normal CDF (Cody's erf,
    float64-accurate; NumPy has no erf). ``approximate='tanh'``:
    0.5·x·(1 + tanh(√(2/π)(x + 0.044715 x³))), composed of Tensor ops.
    """
    x = floating(as_tensor(input))
    if approximate == "none":
        return GELUCurve.apply(x)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (inner.tanh() + 1)
    raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")


class SoftplusCurve(Function):
    """y = log(1 + e^(βx))/β, and y = x where βx > threshold;  dy/dx = σ(βx) (1 there)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x * x.dtype.type(beta)
        linear = bx > threshold
        ctx.beta, ctx.linear = beta, linear
        ctx.save_for_backward(x)
        return np.where(linear, x, np.logaddexp(x.dtype.type(0), bx) / x.dtype.type(beta))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * where(ctx.linear, 1.0, (x * ctx.beta).sigmoid())


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """A smooth ReLU, log(1 + e^(βx))/β, linear past ``threshold`` (``F.softplus``)."""
    beta = checks.finite(beta, "beta", "softplus()")
    if beta == 0:
        raise ValueError("softplus(): beta must not be 0 (it divides the result)")
    threshold = checks.finite(threshold, "threshold", "softplus()")
    return SoftplusCurve.apply(floating(as_tensor(input)), beta=beta, threshold=threshold)


def softmax_array(x, axis):
    """e^(x - max) / Σ e^(x - max) along ``axis`` of an array: e^1000 never overflows."""
    # initial=-inf: over an empty axis there is no max, and nothing to shift (PyTorch
    # returns the empty input's shape).
    e = np.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_array(x, axis):
    """x - max - log Σ e^(x - max) along ``axis`` of an array: never exp overflow or log 0."""
    if x.shape[axis] == 0:  # nothing to normalise; NumPy's max would refuse the empty axis
        return x.copy()
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class _AlongDim(Function):
    """Softmax and log-softmax along ``dim``: ``normalize`` on the array; the output is all
    either backward needs."""

    normalize: Callable[[np.ndarray, int], np.ndarray]

    @classmethod
    def forward(cls, ctx, x, dim):
        out = cls.normalize(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out


class SoftmaxAlongDim(_AlongDim):
    """y_k = e^(x_k - max) / Σ e^(x_i - max) (book eq. 3.10, stabilised as eq. 3.11);
    dL/dx = y ⊙ (g - Σ g y)."""

    normalize = staticmethod(softmax_array)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True))


def softmax(input: Tensor, dim: int, dtype: DTypeLike | None = None) -> Tensor:
    """Probabilities along ``dim``: exp(x) / Σ exp(x), shifted by the max so that
    e^1000 never overflows (``F.softmax``; ``dtype`` converts the input first)."""
    return _along_dim("softmax", SoftmaxAlongDim, input, dim, dtype)


class LogSoftmaxAlongDim(_AlongDim):
    """y = x - logsumexp(x);  dL/dx = g - softmax(x) Σ g."""

    normalize = staticmethod(log_softmax_array)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(axis=ctx.dim, keepdims=True)


def log_softmax(input: Tensor, dim: int, dtype: DTypeLike | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - max - log Σ e^(x - max) (no log of 0)."""
    return _along_dim("log_softmax", LogSoftmaxAlongDim, input, dim, dtype)


def _along_dim(fn, function, input, dim, dtype):
    """Apply ``function`` (SoftmaxAlongDim or LogSoftmaxAlongDim) to ``input`` along ``dim``."""
    input = as_tensor(input)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{fn}(): dtype must be a floating point type, got {dtype}")
        input = input.astype(dtype)
    input = floating(input)
    dim = checks.dim(dim, input.shape, f"{fn}()")
    if input.ndim == 0:  # a 0-D input is normalised as the one element it holds
        return function.apply(input.reshape(1), dim=0).reshape(())
    return function.apply(input, dim=dim)
