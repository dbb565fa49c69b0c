"""1-D convolution over (N, C, L) sequences, as a 2-D convolution of height one.

``conv1d`` views the input as (N, C, 1, L) and the weight as (C_out, C_in/g, 1, K)
and calls :func:`conv2d`, so it shares im2col, the one matrix product and
every derivative (to any order) with the 2-D layer — and any speed-up of it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from ._utils import as_tensor, check_float, check_ndim
from .conv import conv2d

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import IntOrTuple
    from tinygrad_book.tensor import Tensor


def single(value: Any, name: str, op: str, minimum: int = 1) -> int:
    """An int or a 1-tuple of ints, at least ``minimum``, as an int: the stride, padding,
    dilation and kernel_size of ``conv1d`` and ``nn.Conv1d`` (``op`` names the caller)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not checks.is_int(value):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple of ints, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """Cross-correlation of (N, C_in, L) input with (C_out, C_in/groups, K) filters.

    Returns (N, C_out, L_out), L_out = (L + 2P - d(K - 1) - 1) // S + 1;
    ``padding`` may be 'valid' or 'same' (stride 1), as ``torch.nn.functional.conv1d``.
    """
    fn = "conv1d"
    input = as_tensor(input, fn)
    weight = as_tensor(weight, fn, "weight")
    check_float(input, fn)
    check_ndim(input, (3,), fn, layout="(N, C, L)")
    check_ndim(weight, (3,), fn, "weight", layout="(C_out, C_in/groups, K)")
    stride = single(stride, "stride", f"{fn}()")
    dilation = single(dilation, "dilation", f"{fn}()")
    if not isinstance(padding, str):
        padding = (0, single(padding, "padding", f"{fn}()", minimum=0))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), padding,
                 (1, dilation), groups)
    return out.squeeze(2)
