"""Convolution layers (chapter 7.4): ``Conv2d`` and ``ConvTranspose2d`` on NCHW tensors."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks
from tinygrad_book.checks import check_output_padding

from .. import functional as F
from . import _checks
from ._affine_params import make_weight_and_bias, reset_affine
from .module import Module

if TYPE_CHECKING:
    from tinygrad_book._typing import DTypeLike, IntOrTuple
    from tinygrad_book.tensor import Tensor


class _ConvNd(Module):
    """Shared set-up: argument checks, weight/bias creation and PyTorch's default init."""

    def __init__(self, name, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, transposed, dtype):
        super().__init__()
        self.in_channels = checks.integer(in_channels, "in_channels", name, minimum=1)
        self.out_channels = checks.integer(out_channels, "out_channels", name, minimum=1)
        self.kernel_size = checks.pair(kernel_size, "kernel_size", name)
        self.stride = checks.pair(stride, "stride", name)
        self.dilation = checks.pair(dilation, "dilation", name)
        self.groups = checks.integer(groups, "groups", name, minimum=1)
        checks.divisible(self.in_channels, "in_channels", self.groups, "groups", name)
        checks.divisible(self.out_channels, "out_channels", self.groups, "groups", name)
        self.padding = self._padding(padding, name)
        dtype = _checks.float_dtype(dtype, name)
        shape = ((self.in_channels, self.out_channels // self.groups) if transposed
                 else (self.out_channels, self.in_channels // self.groups)) + self.kernel_size
        make_weight_and_bias(self, shape, self.out_channels, bias, dtype)
        self.reset_parameters()

    def _padding(self, padding, name):
        if padding in ("valid", "same"):
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            return padding   # kept as given: F.conv2d pads 'same' asymmetrically if needed
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
        return checks.pair(padding, "padding", name, minimum=0)

    def reset_parameters(self):
        reset_affine(self.weight, self.bias)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution, the book's ``Convolution`` layer (im2col + one matrix product).

    Shapes: input ``(N, C_in, H, W)``, weight ``(C_out, C_in / groups, FH, FW)``,
    bias ``(C_out,)``, output ``(N, C_out, OH, OW)`` with the book's
    OH = (H + 2P - FH) // S + 1 (equation 7.1; with dilation D, FH becomes
    D * (FH - 1) + 1). ``padding`` may also be ``"valid"`` (0) or ``"same"``
    (OH = H; stride 1 only).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrTuple,
                 stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 dtype: DTypeLike | None = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode {padding_mode!r} is not supported; only "
                             "'zeros' is")
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, False, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution: the gradient of ``Conv2d`` with respect to its input, as a layer.

    Shapes: input ``(N, C_in, H, W)``, weight ``(C_in, C_out / groups, FH, FW)``,
    output ``(N, C_out, OH, OW)`` with
    OH = (H - 1) * S - 2P + D * (FH - 1) + output_padding + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrTuple,
                 stride: IntOrTuple = 1, padding: IntOrTuple = 0, output_padding: IntOrTuple = 0,
                 groups: int = 1, bias: bool = True, dilation: IntOrTuple = 1,
                 dtype: DTypeLike | None = None) -> None:
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair of ints, "
                             f"got {padding!r}")
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride,
                         padding, dilation, groups, bias, True, dtype)
        self.output_padding = checks.pair(output_padding, "output_padding",
                                          "ConvTranspose2d", minimum=0)
        check_output_padding(self.output_padding, self.stride, self.dilation,
                             "ConvTranspose2d")

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
