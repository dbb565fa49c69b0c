"""Activation layers beyond the book's: thin modules over ``nn.functional``'s activations.

Shapes: any, unchanged (``GLU`` halves ``dim``). ``inplace`` is accepted for
PyTorch compatibility and ignored: the ops never overwrite their input.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from .. import functional as F
from . import _checks
from .activation import _Elementwise, _ElementwiseInplace
from .module import Module, Parameter

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor


class SELU(_ElementwiseInplace, fn=F.selu):
    """scale · ELU(x, α) with the self-normalising constants."""


class SiLU(_ElementwiseInplace, fn=F.silu):
    """x σ(x) (swish)."""


class Mish(_ElementwiseInplace, fn=F.mish):
    """x tanh(softplus(x))."""


class ReLU6(_ElementwiseInplace, fn=F.relu6):
    """min(max(0, x), 6)."""


class Hardswish(_ElementwiseInplace, fn=F.hardswish):
    """x · relu6(x + 3) / 6."""


class Hardsigmoid(_ElementwiseInplace, fn=F.hardsigmoid):
    """relu6(x + 3) / 6."""


class Softsign(_Elementwise, fn=F.softsign):
    """x / (1 + |x|)."""


class Tanhshrink(_Elementwise, fn=F.tanhshrink):
    """x - tanh(x)."""


class ELU(Module):
    """x for x > 0, α(eˣ - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = checks.positive(alpha, "alpha", "ELU", allow_zero=True)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(ELU):
    """max(0, x) + min(0, α(e^(x/α) - 1))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class Softplus(Module):
    """log(1 + e^(βx))/β, linear where βx > ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = checks.positive(beta, "beta", "Softplus")
        self.threshold = float(threshold)

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if not min_val <= max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val "
                             f"({max_val})")
        self.min_val, self.max_val, self.inplace = float(min_val), float(max_val), bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Threshold(Module):
    """x where x > ``threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = float(threshold), float(value), bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class PReLU(Module):
    """max(0, x) + a · min(0, x) with a learnt slope ``weight``: ``num_parameters`` = 1
    (shared) or C (one per channel, dimension 1), initialised to ``init`` (0.25)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.num_parameters = checks.integer(num_parameters, "num_parameters", "PReLU", minimum=1)
        self.init = float(init)
        dtype = _checks.float_dtype(dtype, "PReLU")
        self.weight = Parameter(np.full(self.num_parameters, self.init, dtype=dtype))

    def reset_parameters(self) -> None:
        self.weight.data[...] = self.init

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """a ⊙ σ(b) of the two halves of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along ``dim``."""

    def __init__(self, dim: Dim = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
