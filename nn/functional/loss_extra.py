"""Regression and distribution losses: L1, smooth L1, Huber, and the KL divergence.

Element-wise losses are a few Tensor ops (so they differentiate twice), then
the ``reduction`` ('mean', 'sum' or 'none'), with PyTorch's names and defaults.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import TYPE_CHECKING

from tinygrad_book.ops.select import where

from ._utils import loss_inputs, reduce_loss

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book.tensor import Tensor


def _non_negative(value, name, fn):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{fn}(): {name} must be a non-negative number, got {value!r}")
    return float(value)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x - y|."""
    input, target = loss_inputs("l1_loss", input, target, reduction)
    return reduce_loss((input - target).abs(), reduction)


def _quadratic_then_linear(diff, beta):
    """0.5 d²/β where |d| < β, else |d| - 0.5 β (smooth L1's element-wise loss)."""
    a = diff.abs()
    return where(a.data < beta, diff * diff * (0.5 / beta), a - 0.5 * beta)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Quadratic for errors below ``beta``, linear above (Fast R-CNN); ``beta=0`` is L1."""
    fn = "smooth_l1_loss"
    input, target = loss_inputs(fn, input, target, reduction)
    beta = _non_negative(beta, "beta", fn)
    diff = input - target
    loss = diff.abs() if beta == 0 else _quadratic_then_linear(diff, beta)
    return reduce_loss(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """0.5 d² where |d| <= δ, else δ(|d| - 0.5 δ): smooth L1 scaled by δ."""
    fn = "huber_loss"
    input, target = loss_inputs(fn, input, target, reduction)
    delta = _non_negative(delta, "delta", fn)
    if delta == 0:
        raise ValueError(f"{fn}(): delta must be positive, got {delta!r}")
    diff = input - target
    a = diff.abs()
    loss = where(a.data <= delta, diff * diff * 0.5, (a - 0.5 * delta) * delta)
    return reduce_loss(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: str | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target ‖ q) with ``input`` = log q (log-probabilities), as ``F.kl_div``.

    Element-wise: t (log t - x), with 0 where t = 0; with ``log_target`` the
    target is log t too: eᵗ (t - x). ``reduction='batchmean'`` divides the sum
    by the batch size (the true KL divergence per sample); 'mean' divides by
    the number of elements, as PyTorch (which warns about it).
    """
    fn = "kl_div"
    if size_average is not None or reduce is not None:
        raise ValueError(f"{fn}(): size_average and reduce are deprecated; use reduction")
    input, target = loss_inputs(fn, input, target, reduction, ("mean", "batchmean", "sum", "none"))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target.data > 0
        safe_log = where(positive, target, 1.0).log()
        loss = where(positive, target * (safe_log - input), 0.0)
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size. 'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.", UserWarning, stacklevel=2)
    return reduce_loss(loss, reduction)
