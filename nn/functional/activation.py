"""Activation functions (book sections 3.2 and 5.5) and softmax / log-softmax (section 3.5)."""
from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks
from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import is_grad_enabled

from . import _special
from ._utils import as_tensor, check_float

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x) (book eq. 3.7); ``inplace`` is accepted and ignored."""
    input = as_tensor(input, "relu")
    check_float(input, "relu")
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x) (book eq. 3.6), stable for large |x|."""
    input = as_tensor(input, "sigmoid")
    check_float(input, "sigmoid")
    return input.sigmoid()


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
    """log(1 / (1 + e^-x)), computed stably (as ``torch.nn.functional.logsigmoid``)."""
    input = as_tensor(input, "logsigmoid")
    check_float(input, "logsigmoid")
    return LogSigmoidCurve.apply(input)


def tanh(input: Tensor) -> Tensor:
    input = as_tensor(input, "tanh")
    check_float(input, "tanh")
    return input.tanh()


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


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope``·x, as PyTorch; ``inplace`` is ignored."""
    input = as_tensor(input, "leaky_relu")
    check_float(input, "leaky_relu")
    negative_slope = checks.finite(negative_slope, "negative_slope", "leaky_relu()")
    return LeakyReLUCurve.apply(input, negative_slope=negative_slope)


class Erf(Function):
    """y = erf(x);  dy/dx = 2/√π · e^(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _special.erf(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


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
    """Gaussian Error Linear Unit, as ``torch.nn.functional.gelu``.

    ``approximate='none'``: x·Φ(x) with the exact normal CDF (Cody's erf,
    float64-accurate; NumPy has no erf). ``approximate='tanh'``:
    0.5·x·(1 + tanh(√(2/π)(x + 0.044715 x³))).
    """
    input = as_tensor(input, "gelu")
    check_float(input, "gelu")
    if approximate == "none":
        return GELUCurve.apply(input)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (inner.tanh() + 1)
    raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")


def _softmax_dim(fn, input, dim):
    if dim is None:
        # PyTorch's legacy implicit choice, with its deprecation warning (pointing at the
        # caller of softmax/log_softmax, past _along_dim).
        dim = 0 if input.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {fn} has been deprecated. Change the call "
                      "to include dim=X as an argument.", UserWarning, stacklevel=4)
    nd = max(input.ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not -nd <= dim < nd:
        raise ValueError(f"{fn}(): dim must be an int in [{-nd}, {nd - 1}] for input of shape "
                         f"{input.shape}, got {dim!r}")
    return int(dim) % nd if input.ndim else None


class SoftmaxAlongDim(Function):
    """y_k = e^(x_k - max) / Σ e^(x_i - max) (book eq. 3.10, stabilised as eq. 3.11);
    dL/dx = y ⊙ (g - Σ g y)."""

    @staticmethod
    def forward(ctx, x, dim):
        # initial=-inf: over an empty axis there is no max, and nothing to shift (PyTorch
        # returns the empty input's shape).
        e = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True))


def _log_softmax_array(x, axis):
    """x - max - log Σ e^(x - max) along ``axis`` of an array: never exp overflow or log 0."""
    if x.shape[axis] == 0:  # nothing to normalise; NumPy's max would refuse the empty axis
        return x.copy()
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmaxAlongDim(Function):
    """y = x - logsumexp(x);  dL/dx = g - softmax(x) Σ g."""

    @staticmethod
    def forward(ctx, x, dim):
        out = _log_softmax_array(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(axis=ctx.dim, keepdims=True)


def _dtype_arg(fn, input, dtype):
    if dtype is None:
        return input
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{fn}(): dtype must be a floating point type, got {dtype}")
    return input.astype(dtype)


def softmax(input: Tensor, dim: Dim = None, dtype: DTypeLike | None = None) -> Tensor:
    """Probabilities along ``dim``: exp(x) / Σ exp(x), shifted by the max so that
    e^1000 never overflows."""
    return _along_dim("softmax", SoftmaxAlongDim, input, dim, dtype)


def log_softmax(input: Tensor, dim: Dim = None, dtype: DTypeLike | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - max - log Σ e^(x - max) (no log of 0)."""
    return _along_dim("log_softmax", LogSoftmaxAlongDim, input, dim, dtype)


def _along_dim(fn, function, input, dim, dtype):
    """Apply the Function ``function`` (Softmax or LogSoftmax) to ``input`` along ``dim``."""
    input = _dtype_arg(fn, as_tensor(input, fn), dtype)
    check_float(input, fn)
    dim = _softmax_dim(fn, input, dim)
    if dim is None:  # a 0-D input is normalised as the one element it holds
        return function.apply(input.reshape(1), dim=0).reshape(())
    return function.apply(input, dim=dim)
