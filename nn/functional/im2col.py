"""im2col / col2im: the book's trick that turns a convolution into one matrix product.

``im2col`` lays every receptive field of the input out as one row of a matrix
(book section 7.4.2); ``col2im`` is its adjoint, adding each row
back onto the pixels it came from (overlapping fields add up). They are each
other's backward, so both are differentiable to any order.

Internally the columns are kept in the layout ``(C, KH, KW, N, OH, OW)``
flattened to ``(C*KH*KW, N*OH*OW)``: the convolution is then a single matrix
product ``W (OC, C*KH*KW) @ cols`` whose result is already channel-major, and
the book's matrix ``(N*OH*OW, C*KH*KW)`` is simply its transpose (a view).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_book import checks
from tinygrad_book.autograd import Function
from tinygrad_book.checks import conv_output_size

from ._utils import as_tensor, check_float, check_ndim

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import IntOrTuple, Pair
    from tinygrad_book.tensor import Tensor


def window_slices(kernel_size, stride, dilation, out_size):
    """For each kernel offset k = i*KW + j: (k, index) where ``padded[index]`` is the
    (..., OH, OW) slab of pixels that offset touches in every window."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_size, stride, dilation, out_size
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            yield i * kw + j, (Ellipsis, rows, slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def window_max(xp, slabs):
    """The maxima over each window of ``xp`` (..., H, W), ``slabs`` being
    :func:`window_slices`' list: KH*KW - 1 passes of np.maximum (a NaN wins, as in PyTorch)."""
    out = xp[slabs[0][1]].copy()
    for _, where in slabs[1:]:
        np.maximum(out, xp[where], out=out)
    return out


def im2col_array(x, kernel_size, stride, padding, dilation):
    """Columns of ``x`` (N, C, H, W): an array (C*KH*KW, N*OH*OW), layout (C,KH,KW,N,OH,OW).

    A strided view enumerates every window without copying; one copy then
    writes the views into column order.
    """
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    if ph or pw:
        padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
    else:
        padded = x
    windows = sliding_window_view(padded, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]          # (N, C, OH, OW, KH, KW)
    cols = np.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    np.copyto(cols, windows.transpose(1, 4, 5, 0, 2, 3))
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im_array(cols, input_shape, kernel_size, stride, padding, dilation):
    """Adjoint of :func:`im2col_array`: sum columns (C*KH*KW, N*OH*OW) back into (N, C, H, W).

    Loops over the KH*KW kernel offsets only; each step adds one strided slab.
    """
    n, c, h, w = input_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    cols = cols.reshape(c, kh * kw, n, oh, ow)
    # Accumulate channel-major, the columns' own order, so each slab add streams.
    acc = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for k, where in window_slices(kernel_size, stride, dilation, (oh, ow)):
        acc[where] += cols[:, k]
    out = np.empty((n, c, h, w), dtype=cols.dtype)
    np.copyto(out, acc[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3))
    return out


class Im2Col(Function):
    """x (N, C, H, W) -> the book's column matrix (N*OH*OW, C*KH*KW); backward is col2im."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation):
        ctx.input_shape = x.shape
        ctx.conf = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        ctx.attrs = ctx.conf
        return im2col_array(x, kernel_size, stride, padding, dilation).T

    @staticmethod
    def backward(ctx, g):
        return Col2Im.apply(g, input_shape=ctx.input_shape, **ctx.conf)


class Col2Im(Function):
    """The book's column matrix (N*OH*OW, C*KH*KW) -> (N, C, H, W), overlaps summed;
    backward is im2col."""

    @staticmethod
    def forward(ctx, cols, input_shape, kernel_size, stride, padding, dilation):
        ctx.conf = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        ctx.attrs = ctx.conf
        return col2im_array(cols.T, input_shape, kernel_size, stride, padding, dilation)

    @staticmethod
    def backward(ctx, g):
        return Im2Col.apply(g, **ctx.conf)


def _conf(fn: str, spatial: Sequence[int], kernel_size: IntOrTuple, stride: IntOrTuple,
          padding: IntOrTuple, dilation: IntOrTuple
          ) -> tuple[Pair, Pair, Pair, Pair, tuple[int, ...]]:
    """Validated (kernel, stride, padding, dilation) pairs and the output size."""
    kernel_size = checks.pair(kernel_size, "kernel_size", f"{fn}()")
    stride = checks.pair(stride, "stride", f"{fn}()")
    padding = checks.pair(padding, "padding", f"{fn}()", minimum=0)
    dilation = checks.pair(dilation, "dilation", f"{fn}()")
    out = tuple(conv_output_size(s, k, st, p, d)
                for s, k, st, p, d in zip(spatial, kernel_size, stride, padding, dilation,
                                          strict=True))
    if min(out) < 1:
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation, strict=True))
        padded = tuple(s + 2 * p for s, p in zip(spatial, padding, strict=True))
        raise ValueError(
            f"{fn}(): the padded input size per channel ({padded[0]} x {padded[1]}) is smaller "
            f"than the kernel size ({eff[0]} x {eff[1]}, dilation {dilation}); an input of spatial "
            f"size {tuple(spatial)} needs more padding or a smaller kernel")
    return kernel_size, stride, padding, dilation, out


def im2col(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple = 1, padding: IntOrTuple = 0,
           dilation: IntOrTuple = 1) -> Tensor:
    """Expand every receptive field of ``input`` into a row (book section 7.4.2).

    Args:
        input: (N, C, H, W) Tensor.
        kernel_size, stride, padding, dilation: an int or an (h, w) pair each.
    Returns:
        (N*OH*OW, C*KH*KW) Tensor; row ``n*OH*OW + i*OW + j`` holds the window
        whose output lands at (n, :, i, j), ordered channel, kernel row, kernel
        column — the book's ``im2col`` exactly. Differentiable (backward: col2im).
    """
    input = as_tensor(input, "im2col")
    check_ndim(input, (4,), "im2col", layout="(N, C, H, W)")
    kernel_size, stride, padding, dilation, _ = _conf(
        "im2col", input.shape[2:], kernel_size, stride, padding, dilation)
    return Im2Col.apply(input, kernel_size=kernel_size, stride=stride, padding=padding,
                        dilation=dilation)


def col2im(cols: Any, input_shape: Any, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
           padding: IntOrTuple = 0, dilation: IntOrTuple = 1) -> Tensor:
    """Fold the book's column matrix back to an (N, C, H, W) tensor, summing overlaps.

    The adjoint of :func:`im2col` (and its backward): ``cols`` must be
    (N*OH*OW, C*KH*KW) for the given ``input_shape`` and window settings.
    """
    cols = as_tensor(cols, "col2im", "cols")
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) != 4:
        raise ValueError(f"col2im(): input_shape must be (N, C, H, W), got {input_shape}")
    kernel_size, stride, padding, dilation, (oh, ow) = _conf(
        "col2im", input_shape[2:], kernel_size, stride, padding, dilation)
    n, c = input_shape[:2]
    expected = (n * oh * ow, c * kernel_size[0] * kernel_size[1])
    if cols.shape != expected:
        raise ValueError(
            f"col2im(): cols has shape {cols.shape}, but input_shape {input_shape} with kernel "
            f"{kernel_size}, stride {stride}, padding {padding}, dilation {dilation} needs "
            f"(N*OH*OW, C*KH*KW) = {expected}")
    return Col2Im.apply(cols, input_shape=input_shape, kernel_size=kernel_size, stride=stride,
                        padding=padding, dilation=dilation)


def unfold(input: Tensor, kernel_size: IntOrTuple, dilation: IntOrTuple = 1,
           padding: IntOrTuple = 0, stride: IntOrTuple = 1) -> Tensor:
    """PyTorch's ``F.unfold``: (N, C, H, W) -> (N, C*KH*KW, OH*OW) sliding blocks."""
    input = as_tensor(input, "unfold")
    check_float(input, "unfold")
    check_ndim(input, (4,), "unfold", layout="(N, C, H, W)")
    kernel_size, stride, padding, dilation, (oh, ow) = _conf(
        "unfold", input.shape[2:], kernel_size, stride, padding, dilation)
    cols = im2col(input, kernel_size, stride, padding, dilation)
    return cols.reshape(input.shape[0], oh * ow, cols.shape[1]).permute(0, 2, 1)


def fold(input: Tensor, output_size: IntOrTuple, kernel_size: IntOrTuple, dilation: IntOrTuple = 1,
         padding: IntOrTuple = 0, stride: IntOrTuple = 1) -> Tensor:
    """PyTorch's ``F.fold``: ``(N, C*KH*KW, L)`` blocks summed into ``(N, C, *output_size)``."""
    input = as_tensor(input, "fold")
    check_ndim(input, (3,), "fold", layout="(N, C*KH*KW, L)")
    kh, kw = checks.pair(kernel_size, "kernel_size", "fold()")
    n, ckk, blocks = input.shape
    if ckk % (kh * kw):
        raise ValueError(f"fold(): input's dimension 1 ({ckk}) must be divisible by the kernel "
                         f"size product {kh}*{kw}")
    output_size = checks.pair(output_size, "output_size", "fold()")
    cols = input.permute(0, 2, 1).reshape(n * blocks, ckk)
    return col2im(cols, (n, ckk // (kh * kw)) + output_size, (kh, kw), stride, padding, dilation)
