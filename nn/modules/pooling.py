"""Pooling layers (chapter 7.3): ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``."""
from .. import functional as F
from . import _checks
from .module import Module


class _Pool2d(Module):
    def __init__(self, name, kernel_size, stride, padding):
        super().__init__()
        self.kernel_size = _checks.pair(kernel_size, "kernel_size", name)
        self.stride = (self.kernel_size if stride is None
                       else _checks.pair(stride, "stride", name))
        self.padding = _checks.pair(padding, "padding", name, minimum=0)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding {self.padding} should be at most half of "
                             f"kernel_size {self.kernel_size}")

    def extra_repr(self):
        def one(v):
            return v[0] if v[0] == v[1] else v
        return (f"kernel_size={one(self.kernel_size)}, stride={one(self.stride)}, "
                f"padding={one(self.padding)}")


class MaxPool2d(_Pool2d):
    """Largest value in each window: the book's ``Pooling`` layer.

    Shapes: ``(N, C, H, W)`` to ``(N, C, OH, OW)``, OH = (H + 2P - K) // S + 1.
    ``stride`` defaults to ``kernel_size`` (the book's 2×2 window with stride 2);
    padding counts as −inf, and tied maxima send the gradient to one element,
    as PyTorch does.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__("MaxPool2d", kernel_size, stride, padding)

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean of each window; padded zeros count in the mean (PyTorch's ``count_include_pad=True``).

    Shapes: ``(N, C, H, W)`` to ``(N, C, OH, OW)``, OH = (H + 2P - K) // S + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__("AvgPool2d", kernel_size, stride, padding)

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


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
        size = self.output_size
        return f"output_size={size[0] if size[0] == size[1] else size}"
