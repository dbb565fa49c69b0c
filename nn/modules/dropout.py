"""Dropout (chapter 6.4.3)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from .. import functional as F
from .module import Module

if TYPE_CHECKING:
    from tinygrad_book.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability ``p`` in training; identity in eval mode.

    This is *inverted* dropout, as PyTorch: kept elements are scaled by
    1 / (1 - p) during training, so nothing changes at test time. The book's
    ``Dropout`` instead keeps training outputs unscaled and multiplies by
    (1 - p) at test time; both give the next layer the same expected input,
    and a network trained the book's way is converted by scaling the weights
    after each dropout by (1 - p) (``tinygrad_book.models.load_book_params``
    does this). Shapes: any, unchanged. Masks draw from the global generator.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = checks.probability(p, "dropout", "Dropout")
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        # ``inplace`` is accepted for PyTorch compatibility; the op never overwrites
        # its input, since the graph may still need it.
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
