"""Activations beyond the book's ReLU and sigmoid, as in ``torch.nn.functional``.

Most are a few Tensor ops (so they differentiate twice for free); ``softplus``
is its own op (``SoftplusCurve`` in ``tinygrad_book/ops/activation.py``, with
every activation Function) because log(1 + eˣ) needs care at both ends.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks
from tinygrad_book.ops import activation as act
from tinygrad_book.ops.select import where

from ._utils import as_tensor, check_float
from .activation import float_input, softmax

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor


def _expm1_neg(x):
    """eˣ - 1 on the non-positive part of x (0 elsewhere): never overflows."""
    return x.clamp(max=0).exp() - 1


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α(eˣ - 1) otherwise."""
    x = float_input(input, "elu")
    alpha = checks.finite(alpha, "alpha", "elu()")
    return where(x.data > 0, x, _expm1_neg(x) * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale · elu(x, α) with the self-normalising constants of Klambauer et al. (2017)."""
    x = float_input(input, "selu")
    return where(x.data > 0, x * _SELU_SCALE, _expm1_neg(x) * (_SELU_ALPHA * _SELU_SCALE))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, α(e^(x/α) - 1))."""
    x = float_input(input, "celu")
    alpha = checks.finite(alpha, "alpha", "celu()")
    if alpha == 0:
        raise ValueError("celu(): alpha must not be 0 (it divides x)")
    return where(x.data > 0, x, _expm1_neg(x * (1 / alpha)) * alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x σ(x) (also called swish)."""
    x = float_input(input, "silu")
    return x * x.sigmoid()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """A smooth ReLU, log(1 + e^(βx))/β, linear past ``threshold`` (as PyTorch)."""
    return act.softplus(float_input(input, "softplus"), beta, threshold)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)) (Misra, 2019)."""
    x = float_input(input, "mish")
    return x * act.softplus(x).tanh()


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    x = float_input(input, "softsign")
    return x / (x.abs() + 1)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient is 0 outside (and at) the ends."""
    x = float_input(input, "hardtanh")
    lo = checks.finite(min_val, "min_val", "hardtanh()")
    hi = checks.finite(max_val, "max_val", "hardtanh()")
    if lo > hi:
        raise ValueError(f"hardtanh(): min_val ({lo}) must not exceed max_val ({hi})")
    inside = (x.data > lo) & (x.data < hi)
    return where(inside, x, x.clamp(lo, hi).detach())


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return hardtanh(float_input(input, "relu6"), 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    x = float_input(input, "hardsigmoid")
    return where((x.data > -3) & (x.data < 3), x * (1 / 6) + 0.5, (x.data >= 3).astype(x.dtype))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · relu6(x + 3) / 6 (MobileNetV3)."""
    x = float_input(input, "hardswish")
    inside = (x.data > -3) & (x.data < 3)
    return where(inside, x * (x + 3) * (1 / 6), where(x.data >= 3, x, 0.0))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + a · min(0, x) with a learnt slope ``weight``: one value, or one per
    channel (dimension 1 of the input)."""
    x = float_input(input, "prelu")
    weight = as_tensor(weight, "prelu", "weight")
    check_float(weight, "prelu", "weight")
    if weight.ndim != 1:
        raise ValueError(f"prelu(): weight must be 1-D, got shape {weight.shape}")
    n = weight.shape[0]
    if n != 1:
        channels = x.shape[1] if x.ndim >= 2 else (x.shape[0] if x.ndim == 1 else 1)
        if n != channels:
            raise ValueError(f"prelu(): weight has {n} values but input of shape {x.shape} has "
                             f"{channels} channels; pass 1 or {channels}")
        if x.ndim >= 2:
            weight = weight.reshape((1, n) + (1,) * (x.ndim - 2))
    return where(x.data > 0, x, x * weight)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a ⊙ σ(b), where a and b are the two halves of ``input`` along ``dim``."""
    x = float_input(input, "glu")
    if x.ndim == 0:
        raise ValueError("glu(): glu does not support scalars because halving size must be even")
    dim = checks.dim(dim, x.shape, "glu()")
    if x.shape[dim] % 2:
        raise ValueError(f"glu(): halving dimension must be even, but dimension {dim} of input "
                         f"of shape {x.shape} is size {x.shape[dim]}")
    half = x.shape[dim] // 2
    lead = (slice(None),) * dim
    return x[lead + (slice(0, half),)] * x[lead + (slice(half, None),)].sigmoid()


def softmin(input: Tensor, dim: Dim = None, dtype: DTypeLike | None = None) -> Tensor:
    """softmax(-x) along ``dim``: weights that favour the smallest entries."""
    x = float_input(input, "softmin")
    return softmax(-x, dim, dtype)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    x = float_input(input, "tanhshrink")
    return x - x.tanh()


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > ``threshold``, else ``value``."""
    x = float_input(input, "threshold")
    th = checks.finite(threshold, "threshold", "threshold()")
    return where(x.data > th, x, checks.finite(value, "value", "threshold()"))
