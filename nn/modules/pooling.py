"""Pooling layers (chapter 7.3): ``MaxPool2d``, ``AvgPool2d``, the adaptive ones, and 1-D."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_book import checks

from .. import functional as F
from .module import Module

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import IntOrTuple
    from tinygrad_book.tensor import Tensor


def _window(name, kernel_size, stride, padding, dilation=1):
    kernel_size = checks.pair(kernel_size, "kernel_size", name)
    stride = kernel_size if stride is None else checks.pair(stride, "stride", name)
    padding = checks.pair(padding, "padding", name, minimum=0)
    dilation = checks.pair(dilation, "dilation", name)
    # The same bound as the functional form: half of the dilated (effective) window.
    if any(p > (d * (k - 1) + 1) // 2
           for p, k, d in zip(padding, kernel_size, dilation, strict=True)):
        raise ValueError(f"{name}: padding {padding} should be at most half of the effective "
                         f"kernel size (kernel_size {kernel_size}, dilation {dilation})")
    return kernel_size, stride, padding, dilation


def _one(v):
    return v[0] if v[0] == v[1] else v


class MaxPool2d(Module):
    """Largest value in each window: the book's ``Pooling`` layer.

    Shapes: ``(N, C, H, W)`` to ``(N, C, OH, OW)``, OH = (H + 2P - K) // S + 1
    (rounded up with ``ceil_mode=True``, as PyTorch). ``stride`` defaults to
    ``kernel_size`` (the book's 2×2 window with stride 2); padding counts as
    −inf, and tied maxima send the gradient to one element, as PyTorch does.
    """

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 padding: IntOrTuple = 0, dilation: IntOrTuple = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = _window(
            "MaxPool2d", kernel_size, stride, padding, dilation)
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={_one(self.kernel_size)}, stride={_one(self.stride)}, "
                f"padding={_one(self.padding)}, dilation={_one(self.dilation)}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean of each window. Padded zeros count in the mean unless ``count_include_pad=False``.

    Shapes: ``(N, C, H, W)`` to ``(N, C, OH, OW)``, OH = (H + 2P - K) // S + 1.
    """

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 padding: IntOrTuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: Any = None) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = _window(
            "AvgPool2d", kernel_size, stride, padding)
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return (f"kernel_size={_one(self.kernel_size)}, stride={_one(self.stride)}, "
                f"padding={_one(self.padding)}")


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input's height and width.

    ``AdaptiveAvgPool2d(1)`` is global average pooling: ``(N, C, H, W)`` to ``(N, C, 1, 1)``.
    """

    def __init__(self, output_size: IntOrTuple) -> None:
        super().__init__()
        self.output_size = checks.pair(output_size, "output_size", "AdaptiveAvgPool2d")

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={_one(self.output_size)}"


def _single(value, name, layer, minimum=1):
    return checks.pair(value[0] if isinstance(value, (tuple, list)) and len(value) == 1
                        else value, name, layer, minimum)[0]


class MaxPool1d(Module):
    """Largest value in each window of ``(N, C, L)`` (or ``(C, L)``) input.

    L_out = (L + 2P - D(K - 1) - 1) // S + 1 (rounded up with ``ceil_mode``);
    ``stride`` defaults to ``kernel_size``.
    """

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 padding: IntOrTuple = 0, dilation: IntOrTuple = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size, "kernel_size", "MaxPool1d")
        self.stride = self.kernel_size if stride is None else _single(stride, "stride",
                                                                       "MaxPool1d")
        self.padding = _single(padding, "padding", "MaxPool1d", minimum=0)
        self.dilation = _single(dilation, "dilation", "MaxPool1d")
        if self.padding > (self.dilation * (self.kernel_size - 1) + 1) // 2:
            raise ValueError(f"MaxPool1d: padding {self.padding} should be at most half of the "
                             f"effective kernel size")
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """Mean of each window of ``(N, C, L)`` input; padding counts unless
    ``count_include_pad=False``. Attributes are 1-tuples, as PyTorch's."""

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
                 padding: IntOrTuple = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = (_single(kernel_size, "kernel_size", "AvgPool1d"),)
        self.stride = self.kernel_size if stride is None else (
            _single(stride, "stride", "AvgPool1d"),)
        self.padding = (_single(padding, "padding", "AvgPool1d", minimum=0),)
        if self.padding[0] > self.kernel_size[0] // 2:
            raise ValueError(f"AvgPool1d: padding {self.padding[0]} should be at most half of "
                             f"kernel_size {self.kernel_size[0]}")
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling of ``(N, C, L)`` to a fixed length ``output_size``."""

    def __init__(self, output_size: IntOrTuple) -> None:
        super().__init__()
        self.output_size = _single(output_size, "output_size", "AdaptiveAvgPool1d")

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling of ``(N, C, H, W)`` to a fixed ``output_size`` (PyTorch's windows)."""

    def __init__(self, output_size: IntOrTuple, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = checks.pair(output_size, "output_size", "AdaptiveMaxPool2d")
        self.return_indices = bool(return_indices)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={_one(self.output_size)}"
