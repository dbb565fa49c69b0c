"""The weight and bias of the affine layers (Linear, Conv1d, Conv2d and the
transposed convolutions), made and initialised one way: PyTorch's."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import init
from .module import Parameter

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import DTypeLike

    from .module import Module


def make_weight_and_bias(module: Module, weight_shape: tuple[int, ...], bias_size: int,
                         bias: bool, dtype: DTypeLike | None) -> None:
    """``module.weight`` of ``weight_shape`` and ``module.bias`` of ``(bias_size,)`` (or
    a registered ``None``), uninitialised: the module's ``reset_parameters`` fills them."""
    module.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty((bias_size,), dtype=dtype))
    else:
        module.register_parameter("bias", None)


def reset_affine(weight: Any, bias: Any) -> None:
    """PyTorch's default initialisation: ``kaiming_uniform_(W, a=√5)``, which is
    U(±1/√fan_in), and b ~ U(±1/√fan_in) as well (book §6.2 discusses why the
    scale should follow the fan-in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
