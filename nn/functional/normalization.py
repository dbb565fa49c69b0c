"""Batch Normalization (book section 6.3) and AlexNet's local response normalization."""
from __future__ import annotations

import numpy as np

from tinygrad_book import checks
from tinygrad_book.autograd import Function
from tinygrad_book.ops.operands import scalar_array
from tinygrad_book.tensor import Tensor

from ._utils import as_tensor, check_same_dtype, data, float_input
from .linear import constant_vector
from .padding import pad

# einsum subscripts of Σ a·b per channel (axis 1) for 2- to 6-D inputs: one pass, no temporary.
_CHANNEL_DOT = {nd: "a" + "c" + "bdef"[:nd - 2] + ",a" + "c" + "bdef"[:nd - 2] + "->c"
                for nd in range(2, 7)}


def _channel_axes(ndim):
    """Every axis but the channel axis 1: the statistics are per channel."""
    return (0,) + tuple(range(2, ndim))


def _per_channel(t, ndim):
    """A (C,) vector shaped to broadcast against (N, C, ...)."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _blas_rows(a):
    """Whether a is an (N, C) float32/float64 array, whose column sums a BLAS product does."""
    return a.ndim == 2 and a.dtype.char in "fd"


def _channel_sum(a, factor=1.0):
    """factor · Σ over every axis but 1 of (N, C, ...) ``a``, shaped to broadcast against a:
    (C,) for (N, C) input, where it is one BLAS product (as ``column_sums``),
    (1, C, 1, ...) otherwise."""
    if _blas_rows(a):
        return constant_vector(a.shape[0], factor, a.dtype) @ a
    total = np.add.reduce(a, axis=_channel_axes(a.ndim), keepdims=True)
    if factor != 1.0:
        total *= factor
    return total


class BatchNorm(Function):
    """Training-mode batch norm: x̂ = (x - μ_B) / √(σ²_B + ε), y = γ x̂ + β (book eq. 6.7).

    The backward is the book's computational-graph derivation (section 6.3.1)
    collapsed into one step, with m values per channel and dx̂ = g γ:

        dx = (1/√(σ² + ε)) · (dx̂ - mean(dx̂) - x̂ · mean(dx̂ x̂))
           = γ/√(σ² + ε) · (g - dβ/m - x̂ · dγ/m)      (γ is constant per channel)
        dγ = Σ g x̂,   dβ = Σ g

    so the two parameter gradients are reused for the input gradient.

    Without ``create_graph`` it runs on the saved arrays in a few NumPy passes
    (``array_backward``). When the backward itself is being recorded it is
    written with Tensor ops, and x̂ and 1/√(σ² + ε) are recomputed from x in
    the graph, so second derivatives see how they depend on x.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps, momentum, running_mean=None, running_var=None):
        # Four passes over x's size and two per-channel sums, all in x's dtype: x - μ,
        # Σ(x - μ)², (x - μ)·(γ/σ) and + β. x̂ itself is never stored: backward needs only
        # x - μ and 1/σ. Per-channel vectors are (C,) for (N, C) input, (1, C, 1, ...)
        # otherwise: both broadcast against x.
        m = x.size // x.shape[1]
        # (N, C) float32/64: each column mean is one BLAS product with a vector of 1/m.
        by_m = constant_vector(m, 1.0 / m, x.dtype) if _blas_rows(x) else None
        mean = _channel_sum(x, 1.0 / m) if by_m is None else by_m @ x
        centred = np.subtract(x, mean)
        if by_m is None:  # einsum: Σ(x - μ)² in one pass, without the squares' array
            out = np.empty_like(x)
            var = np.einsum(_CHANNEL_DOT[x.ndim], centred, centred).reshape(mean.shape)
            var *= 1.0 / m
        else:  # the squares go into the array that then becomes the output
            out = np.multiply(centred, centred)
            var = by_m @ out
        # running ← (1 - momentum)·running + momentum·batch, in place; PyTorch (and the
        # book's inference) keep the unbiased variance m/(m-1) σ². (The numbers as shared
        # 0-d arrays: NumPy 2 combines a Python number with an array more slowly.)
        if running_mean is not None:
            running_mean *= scalar_array(1.0 - momentum, running_mean.dtype)
            running_mean += mean.reshape(-1) * scalar_array(momentum, mean.dtype)
        if running_var is not None:
            running_var *= scalar_array(1.0 - momentum, running_var.dtype)
            running_var += var.reshape(-1) * scalar_array(momentum * m / (m - 1), var.dtype)
        invstd = np.add(var, scalar_array(eps, var.dtype), out=var)
        np.reciprocal(np.sqrt(invstd, out=invstd), out=invstd)  # (cheaper than a power)
        if weight is None:
            scale = invstd
        else:
            scale = invstd * (weight if x.ndim == 2 else _per_channel(weight, x.ndim))
        np.multiply(centred, scale, out=out)
        if bias is not None:
            out += bias if x.ndim == 2 else _per_channel(bias, x.ndim)
        ctx.eps = eps
        ctx.attrs = dict(eps=eps, momentum=momentum)
        # x and γ are saved (their versions are checked in backward); x - μ, 1/σ and γ/σ
        # are this op's own arrays, kept as attributes (released after backward all the same).
        ctx.save_for_backward(x, weight)
        ctx.centred, ctx.invstd, ctx.scale = centred, invstd, scale
        return out

    @staticmethod
    def array_backward(ctx, g):
        _x, _weight = ctx.saved_arrays  # reading them checks x's and γ's versions
        return _backward_arrays(g, ctx.centred, ctx.invstd, ctx.scale, ctx.needs_input_grad)

    @staticmethod
    def backward(ctx, g):
        # Recorded (create_graph): x̂ and 1/σ are recomputed as functions of x.
        x, weight = ctx.saved_tensors
        nd = g.ndim
        axes = _channel_axes(nd)
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        invstd = ((centred * centred).mean(axis=axes, keepdims=True) + ctx.eps) ** -0.5
        xhat = centred * invstd
        m = g.size // g.shape[1]
        gx = None
        gb = g.sum(axis=axes, keepdims=True)
        gw = (g * xhat).sum(axis=axes, keepdims=True)
        if ctx.needs_input_grad[0]:
            scale = invstd if weight is None else invstd * _per_channel(weight, nd)
            gx = (g - gb / m - xhat * (gw / m)) * scale
        return (gx,
                gw.reshape(-1) if ctx.needs_input_grad[1] else None,
                gb.reshape(-1) if ctx.needs_input_grad[2] else None)


def _backward_arrays(g, centred, invstd, scale, needs):
    """The backward above on arrays: (dx, dγ, dβ), ``None`` where not needed.

    With x̂ = (x - μ)/σ and scale = γ/σ: dγ = (1/σ) Σ g (x - μ), and
    dx = scale · (g - dβ/m - (x - μ) · dγ/(σ m)) in four passes over one output array.
    dγ and dβ are (C,) arrays of their own, not views: a parameter takes such a
    gradient as its ``.grad`` without a copy.
    """
    m = g.size // g.shape[1]
    if _blas_rows(g):
        ones = constant_vector(g.shape[0], 1.0, g.dtype)
        gx = np.multiply(g, centred)
        gb, gw = ones @ g, ones @ gx
    else:
        gx = np.empty_like(g)
        gb = np.add.reduce(g, axis=_channel_axes(g.ndim))
        gw = np.einsum(_CHANNEL_DOT[g.ndim], g, centred)
    per_channel = invstd.shape  # (C,) or (1, C, 1, ...): broadcasts against g
    gw *= invstd.reshape(-1)
    if needs[0]:
        k = invstd * gw.reshape(per_channel)
        by_m = scalar_array(1.0 / m, g.dtype)
        k *= by_m
        np.multiply(centred, k, out=gx)
        gx += gb.reshape(per_channel) * by_m
        np.subtract(g, gx, out=gx)
        gx *= scale
    return (gx if needs[0] else None,
            gw if needs[1] else None,
            gb if needs[2] else None)


def _buffer(value, fn, name, channels):
    if value is None:
        return None
    arr = data(value)
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise TypeError(f"{fn}(): {name} must be a floating point Tensor or array, got "
                        f"{type(value).__name__}")
    if arr.shape != (channels,):
        raise ValueError(f"{fn}(): {name} must have shape ({channels},) (one per channel), got "
                         f"{arr.shape}")
    if not arr.flags.writeable:
        raise ValueError(f"{fn}(): {name} must be writeable: it is updated in place")
    return arr


def _empty_batch_norm(input, weight, bias):
    """Training on an empty batch, as PyTorch: an empty output, running statistics untouched
    (there is no batch mean to blend in), and zero gradients for weight and bias."""
    shape = (1, -1) + (1,) * (input.ndim - 2)
    out = input.clone() if weight is None else input * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of (N, C) or (N, C, ...) input, as ``torch.nn.functional.batch_norm``.

    Training: normalise with the batch's mean and (biased) variance over every
    axis but the channel axis, then scale by ``weight`` (γ) and shift by
    ``bias`` (β); update ``running_mean``/``running_var`` in place (Tensors or
    arrays, either may be None) as ``running = (1 - momentum)·running +
    momentum·batch``, storing the unbiased batch variance. The book's
    ``momentum=0.9`` keeps 0.9 of the old value: it is PyTorch's 0.1.

    Eval (``training=False``): normalise with the running statistics, an affine
    map of the input.
    """
    fn = "batch_norm"
    input = float_input(input, fn, 2, "an (N, C) or (N, C, ...) input")
    c = input.shape[1]
    weight = None if weight is None else as_tensor(weight, fn, "weight")
    bias = None if bias is None else as_tensor(bias, fn, "bias")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise ValueError(f"{fn}(): {name} must have shape ({c},) for input of shape "
                             f"{input.shape}, got {t.shape}")
    check_same_dtype(fn, input=input, weight=weight, bias=bias)
    rm = _buffer(running_mean, fn, "running_mean", c)
    rv = _buffer(running_var, fn, "running_var", c)
    eps = checks.positive(eps, "eps", f"{fn}()", allow_zero=True)
    if training and input.size == 0:
        return _empty_batch_norm(input, weight, bias)
    if training:
        if input.size // c <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        if momentum is None:  # the module's cumulative average; here the caller picks the rate
            raise TypeError(f"{fn}(): momentum must be a number in [0, 1], got None (for a "
                            "cumulative average pass 1 / number of batches seen)")
        momentum = checks.in_range(momentum, "momentum", f"{fn}()", 0, 1)
        return BatchNorm.apply(input, weight, bias, eps=eps, momentum=momentum,
                               running_mean=rm, running_var=rv)
    if rm is None or rv is None:
        raise ValueError(f"{fn}(): running_mean and running_var are required when "
                         "training=False (evaluation uses the running statistics)")
    invstd = (1 / np.sqrt(rv + eps)).astype(input.dtype, copy=False)
    shape = (1, c) + (1,) * (input.ndim - 2)
    scale = Tensor(invstd.reshape(shape))
    if weight is not None:
        scale = scale * _per_channel(weight, input.ndim)
    out = (input - Tensor(rm.astype(input.dtype, copy=False).reshape(shape))) * scale
    return out if bias is None else out + _per_channel(bias, input.ndim)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """AlexNet's local response normalization across channels, as PyTorch's.

    b_c = a_c / (k + α/n · Σ_{c'} a_{c'}²)^β, the sum over the ``size`` channels
    c - size//2 .. c + (size-1)//2 (clipped at the ends; ``n`` = ``size``).
    Input (N, C, ...) with at least 3 dimensions.
    """
    fn = "local_response_norm"
    input = float_input(input, fn, 3, "an input with 3 or more dimensions (N, C, ...)")
    checks.integer(size, "size", f"{fn}()", minimum=1)
    c = input.shape[1]
    sq = input * input
    widths = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    padded = pad(sq, widths)
    total = padded[:, 0:c]
    for i in range(1, size):
        total = total + padded[:, i:i + c]
    div = (total * (alpha / size) + k) ** beta
    return input / div
