"""Activation layers (chapters 3 and 5): thin modules over ``nn.functional``.

Each is a Module so that it shows up in ``print(model)`` and as its own
cluster in a drawn graph, as the book's ``Relu``/``Sigmoid`` layers are.
Shapes: any, unchanged (Softmax normalises along ``dim``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from .. import functional as F
from .module import Module

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim
    from tinygrad_book.tensor import Tensor


class ReLU(Module):
    """max(0, x) — the book's ``Relu`` layer. ``inplace`` is accepted and ignored:
    the op never overwrites its input, which the graph may still need."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = checks.finite(negative_slope, "negative_slope", "LeakyReLU")
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)) — the book's ``Sigmoid`` layer."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class LogSigmoid(Module):
    """log(sigmoid(x)), finite for any x (see ``F.logsigmoid``)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class GELU(Module):
    """x Φ(x); ``approximate="tanh"`` uses the tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        if self.approximate == "none":
            return F.gelu(x)
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim`` (pass it: ``dim=None`` is PyTorch's deprecated
    implicit choice, with its warning)."""

    def __init__(self, dim: Dim = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)
