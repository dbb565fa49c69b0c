"""``Conv1d``: convolution over sequences (N, C, L), a Conv2d of height one underneath."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from .. import functional as F
from ..functional.conv1d import single
from . import _checks
from ._affine_params import make_weight_and_bias, reset_affine
from .module import Module

if TYPE_CHECKING:
    from tinygrad_book._typing import DTypeLike, IntOrTuple
    from tinygrad_book.tensor import Tensor


def _single(value, name, minimum=1):
    return (single(value, name, "Conv1d", minimum),)


class Conv1d(Module):
    """1-D convolution (cross-correlation), as ``torch.nn.Conv1d``.

    Shapes: input ``(N, C_in, L)``, weight ``(C_out, C_in / groups, K)``, bias
    ``(C_out,)``, output ``(N, C_out, L_out)`` with the book's equation 7.1 on
    one axis: L_out = (L + 2P - D(K - 1) - 1) // S + 1. ``padding`` may be
    ``'valid'`` or ``'same'`` (stride 1). Initialised as PyTorch's
    (U(±1/√fan_in)); attributes are 1-tuples as in PyTorch.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrTuple,
                 stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f"Conv1d: padding_mode {padding_mode!r} is not supported; only "
                             "'zeros' is")
        self.in_channels = checks.integer(in_channels, "in_channels", "Conv1d", minimum=1)
        self.out_channels = checks.integer(out_channels, "out_channels", "Conv1d", minimum=1)
        self.kernel_size = _single(kernel_size, "kernel_size")
        self.stride = _single(stride, "stride")
        self.dilation = _single(dilation, "dilation")
        self.groups = checks.integer(groups, "groups", "Conv1d", minimum=1)
        checks.divisible(self.in_channels, "in_channels", self.groups, "groups", "Conv1d")
        checks.divisible(self.out_channels, "out_channels", self.groups, "groups", "Conv1d")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv1d: padding must be an int, 'valid' or 'same', got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding: str | tuple[int] = padding
        else:
            self.padding = _single(padding, "padding", minimum=0)
        self.padding_mode = padding_mode
        dtype = _checks.float_dtype(dtype, "Conv1d")
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        make_weight_and_bias(self, shape, self.out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_affine(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return F.conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0],
                        self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,):
            s += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + (", bias=False" if self.bias is None else "")
