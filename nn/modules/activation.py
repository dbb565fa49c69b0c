"""Activation layers (chapters 3 and 5): thin modules over ``nn.functional``.

Each is a Module so that it shows up in ``print(model)`` and as its own
cluster in a drawn graph, as the book's ``Relu``/``Sigmoid`` layers are.
Shapes: any, unchanged (Softmax normalises along ``dim``).
"""

from tinygrad_book import checks

from .. import functional as F
from .module import Module


class ReLU(Module):
    """max(0, x) — the book's ``Relu`` layer. ``inplace`` is accepted and ignored:
    the op never overwrites its input, which the graph may still need."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x):
        return F.relu(x)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = checks.finite(negative_slope, "negative_slope", "LeakyReLU")
        self.inplace = bool(inplace)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)) — the book's ``Sigmoid`` layer."""

    def forward(self, x):
        return F.sigmoid(x)


class LogSigmoid(Module):
    """log(sigmoid(x)), finite for any x (see ``F.logsigmoid``)."""

    def forward(self, x):
        return F.logsigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class GELU(Module):
    """x Φ(x); ``approximate="tanh"`` uses the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        if self.approximate == "none":
            return F.gelu(x)
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim`` (pass it: ``dim=None`` is PyTorch's deprecated
    implicit choice, with its warning)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)
