"""Fully connected layers: the book's ``Affine`` layer as ``Linear``."""
import math

import numpy as np

from tinygrad_book import checks

from .. import functional as F
from .. import init
from . import _checks
from .module import Module, Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder where a layer is optional)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
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

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features = checks.integer(in_features, "in_features", "Linear", minimum=1)
        self.out_features = checks.integer(out_features, "out_features", "Linear", minimum=1)
        dtype = _checks.float_dtype(dtype, "Linear")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        shape = np.shape(x)
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): "
                f"input of shape {tuple(shape)} does not match weight of shape "
                f"{self.weight.shape}; expected the input's last dimension to be "
                f"{self.in_features}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
