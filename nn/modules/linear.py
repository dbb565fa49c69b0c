"""Fully connected layers: the book's ``Affine`` layer as ``Linear``."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks
from tinygrad_book.tensor import Tensor

from .. import functional as F
from ..functional.linear import Affine
from . import _checks
from ._affine_params import make_weight_and_bias, reset_affine
from .module import Module

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import DTypeLike


class Identity(Module):
    """Returns its input unchanged (a placeholder where a layer is optional)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Linear(Module):
    """y = x Wᵀ + b: the book's Affine layer (chapter 5.6), with PyTorch's weight layout.

    Shapes: input ``(*, in_features)``, output ``(*, out_features)``, weight
    ``(out_features, in_features)`` — the transpose of the book's ``W``,
    which is ``(in, out)`` — and bias ``(out_features,)``.

    Initialisation as PyTorch: weight and bias uniform in ±1/sqrt(in_features)
    (``kaiming_uniform_(a=sqrt(5))``). The book's std-0.01, Xavier or He
    choices are one ``nn.init`` call away (see the zoo's ``MLP``).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.in_features = checks.integer(in_features, "in_features", "Linear", minimum=1)
        self.out_features = checks.integer(out_features, "out_features", "Linear", minimum=1)
        dtype = _checks.float_dtype(dtype, "Linear")
        make_weight_and_bias(self, (self.out_features, self.in_features), self.out_features,
                             bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_affine(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        params = self._parameters
        weight, bias = params["weight"], params["bias"]
        assert weight is not None  # (the dict, not self.weight: no __getattr__ on the hot path)
        if isinstance(x, Tensor):
            # What F.linear would check, on the arrays: its checks cost as much as a small
            # layer's product.
            data, dtype = x.data, weight.data.dtype
            if data.ndim and data.shape[-1] == self.in_features and data.dtype == dtype and \
                    dtype.kind == "f" and \
                    weight.data.shape == (self.out_features, self.in_features) and \
                    (bias is None or bias.data.shape == (self.out_features,) and
                     bias.data.dtype == dtype):
                return Affine.apply(x, weight, bias)
        shape = x.shape if isinstance(x, Tensor) else np.shape(x)
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): "
                f"input of shape {tuple(shape)} does not match weight of shape "
                f"{weight.shape}; expected the input's last dimension to be "
                f"{self.in_features}")
        return F.linear(x, weight, bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
