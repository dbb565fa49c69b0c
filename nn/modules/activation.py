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
    from collections.abc import Callable
    from typing import Any

    from tinygrad_book._typing import Dim
    from tinygrad_book.tensor import Tensor


class _Elementwise(Module):
    """An activation that is one function of ``nn.functional`` applied to the input, named
    by the class keyword ``fn``: ``class Tanh(_Elementwise, fn=F.tanh)``. It has no
    arguments and no parameters."""

    _fn: Callable[[Tensor], Tensor]

    def __init_subclass__(cls, fn: Callable[[Tensor], Tensor] | None = None,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if fn is not None:
            cls._fn = staticmethod(fn)

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x)


class _ElementwiseInplace(_Elementwise):
    """An ``_Elementwise`` activation with PyTorch's ``inplace`` argument, accepted and
    ignored: the op never overwrites its input, which the graph may still need."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_ElementwiseInplace, fn=F.relu):
    """max(0, x) — the book's ``Relu`` layer. ``inplace`` is accepted and ignored:
    the op never overwrites its input, which the graph may still need."""


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


class Sigmoid(_Elementwise, fn=F.sigmoid):
    """1 / (1 + exp(-x)) — the book's ``Sigmoid`` layer."""


class LogSigmoid(_Elementwise, fn=F.logsigmoid):
    """log(sigmoid(x)), finite for any x (see ``F.logsigmoid``)."""


class Tanh(_Elementwise, fn=F.tanh):
    """tanh(x) = (eˣ - e⁻ˣ) / (eˣ + e⁻ˣ)."""


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
