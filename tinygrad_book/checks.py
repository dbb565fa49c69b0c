"""Argument checks and size rules shared by the core, nn, optim and the models.

The convolution sizes live here once: ``F.conv2d``, ``F.conv_transpose2d``,
im2col and the model zoo all compute their output shapes with these.
"""


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Output length of a convolution along one axis: (H + 2P - FH) // S + 1 (book eq. 7.1),
    where a kernel dilated by d spans d*(FH-1)+1 pixels."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size, kernel, stride=1, padding=0, dilation=1, output_padding=0):
    """Output length of a transposed convolution along one axis:
    (H - 1)·S - 2P + d(FH - 1) + output_padding + 1, the largest input size a conv2d
    maps back to H (plus ``output_padding`` to pick a smaller-stride remainder)."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def check_output_padding(output_padding, stride, dilation, fn):
    """A transposed convolution's ``output_padding`` (pair) must be smaller than the stride or
    the dilation on each axis, as PyTorch requires; a ValueError naming all three otherwise."""
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"{fn}: output_padding {tuple(output_padding)} must be smaller than "
                             f"either stride {tuple(stride)} or dilation {tuple(dilation)}")
