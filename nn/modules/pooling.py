"""Pooling layers (chapter 7.3): ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``."""
from .. import functional as F
from . import _checks
from .module import Module


def _window(name, kernel_size, stride, padding, dilation=1):
    kernel_size = _checks.pair(kernel_size, "kernel_size", name)
    stride = kernel_size if stride is None else _checks.pair(stride, "stride", name)
    padding = _checks.pair(padding, "padding", name, minimum=0)
    dilation = _checks.pair(dilation, "dilation", name)
    # The same bound as the functional form: half of the dilated (effective) window.
    if any(p > (d * (k - 1) + 1) // 2 for p, k, d in zip(padding, kernel_size, dilation)):
        raise ValueError(f"{name}: padding {padding} should be at most half of the effective "
                         f"kernel size (kernel_size {kernel_size}, dilation {dilation})")
    return kernel_size, stride, padding, dilation


def _one(v):
    return v[0] if v[0] == v[1] else v


class MaxPool2d(Module):
    """Largest value in each window: the book's ``Pooling`` layer.

    Shapes: ``(N, C, H, W)`` to ``(N, C, OH, OW)``, OH = (H + 2P - K) // S + 1
    (``ceil_mode=True`` is refused when called). ``stride`` defaults to
    ``kernel_size`` (the book's 2×2 window with stride 2); padding counts as
    −inf, and tied maxima send the gradient to one element, as PyTorch does.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = _window(
            "MaxPool2d", kernel_size, stride, padding, dilation)
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={_one(self.kernel_size)}, stride={_one(self.stride)}, "
                f"padding={_one(self.padding)}, dilation={_one(self.dilation)}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean of each window. Padded zeros count in the mean unless ``count_include_pad=False``.

    Shapes: ``(N, C, H, W)`` to ``(N, C, OH, OW)``, OH = (H + 2P - K) // S + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = _window(
            "AvgPool2d", kernel_size, stride, padding)
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return (f"kernel_size={_one(self.kernel_size)}, stride={_one(self.stride)}, "
                f"padding={_one(self.padding)}")


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input's height and width.

    ``AdaptiveAvgPool2d(1)`` is global average pooling: ``(N, C, H, W)`` to ``(N, C, 1, 1)``.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = _checks.pair(output_size, "output_size", "AdaptiveAvgPool2d")

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={_one(self.output_size)}"
