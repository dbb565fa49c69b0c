"""Loss layers: the book's ``SoftmaxWithLoss`` as ``CrossEntropyLoss``, and friends.

Each takes ``(input, target)`` and returns a scalar (``reduction="mean"`` or
``"sum"``) or per-sample losses (``"none"``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from ...tensor import Tensor
from .. import functional as F
from . import _checks
from .module import Module

if TYPE_CHECKING:
    from typing import Any


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = _checks.reduction(reduction, type(self).__name__)

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with an optional per-class (or per-element) ``weight``, kept as a buffer
    as PyTorch keeps it, so it travels with ``state_dict`` and ``to(dtype)``."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, Tensor):
            weight = Tensor(weight)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax followed by cross-entropy, fused: the book's ``SoftmaxWithLoss`` (chapter 5.6.3).

    Shapes: logits ``(N, C)``; target ``(N,)`` integer class indices, or
    ``(N, C)`` class probabilities (the book's one-hot labels). Stable for
    logits as large as 1e4. ``label_smoothing`` mixes the target with the
    uniform distribution; ``weight`` (C,) rescales each class and targets equal
    to ``ignore_index`` count for nothing, as in PyTorch.
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing: float = checks.in_range(label_smoothing, "label_smoothing",
                                                      "CrossEntropyLoss", 0, 1)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, self.weight, self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)

    def extra_repr(self) -> str:
        parts = [super().extra_repr()]
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(p for p in parts if p)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities ``(N, C)`` at integer targets ``(N,)``;
    ``weight`` and ``ignore_index`` as in ``CrossEntropyLoss``."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self.weight, self.ignore_index, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error. The book's sum-of-squares ``0.5 * sum((y - t)**2)`` is
    ``0.5 * MSELoss(reduction="sum")``. Shapes: input and target alike."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (e.g. after ``Sigmoid``). Shapes alike.

    Each log is clamped at -100, as PyTorch's, so a probability of exactly 0
    or 1 gives a finite loss; ``BCEWithLogitsLoss`` on the scores is stabler.
    ``weight`` rescales each element (it broadcasts against the input).
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid followed by binary cross-entropy, fused for stability. Shapes alike.

    ``weight`` rescales each element; ``pos_weight`` (one per class) weighs the
    positive term, as in PyTorch.
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(weight, reduction)
        if pos_weight is not None and not isinstance(pos_weight, Tensor):
            pos_weight = Tensor(pos_weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
