"""Regression and distribution loss layers: ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``,
``KLDivLoss``. Shapes: input and target alike; a scalar, or per-element with 'none'."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from .. import functional as F
from .loss import _Loss
from .module import Module

if TYPE_CHECKING:
    from tinygrad_book.tensor import Tensor


class L1Loss(_Loss):
    """Mean absolute error |x - y|."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d²/β below ``beta``, |d| - 0.5 β above."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = checks.positive(beta, "beta", "SmoothL1Loss", allow_zero=True)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d² up to ``delta``, δ(|d| - 0.5 δ) beyond."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = checks.positive(delta, "delta", "HuberLoss")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(Module):
    """KL(target ‖ exp(input)) for log-probability ``input``; use ``reduction='batchmean'``
    for the per-sample divergence; ``log_target=True`` when the target is a log too."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in ("mean", "batchmean", "sum", "none"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction, self.log_target = reduction, bool(log_target)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"
