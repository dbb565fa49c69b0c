"""``Upsample`` (resizing as a layer) and channel dropout ``Dropout1d``/``Dropout2d``."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from .. import functional as F
from .module import Module

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import IntOrTuple
    from tinygrad_book.tensor import Tensor


class Upsample(Module):
    """Resize ``(N, C, L)`` or ``(N, C, H, W)`` input to ``size`` or by ``scale_factor``
    ('nearest', 'linear', 'bilinear'; see ``F.interpolate``)."""

    def __init__(self, size: IntOrTuple | None = None,
                 scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: Any = None) -> None:
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else scale_factor
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class Dropout2d(Module):
    """Zero whole feature maps of ``(N, C, H, W)`` input with probability ``p`` in training
    (neighbouring pixels are correlated, so element dropout barely regularises conv layers)."""

    _fn = staticmethod(F.dropout2d)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = checks.probability(p, "dropout", type(self).__name__)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout2d):
    """Zero whole channels of ``(N, C, L)`` input with probability ``p`` in training."""

    _fn = staticmethod(F.dropout1d)
