"""Reshaping layers."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functional as F
from .module import Module

if TYPE_CHECKING:
    from tinygrad_book.tensor import Tensor


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim``: ``(N, C, H, W)`` to ``(N, C*H*W)`` by default.

    The book's ``Affine`` layer flattens its input itself; here it is a layer
    of its own, in the same (C, H, W) order, so weights map one to one.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
