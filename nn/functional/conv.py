"""2-D convolution and transposed convolution via im2col and one matrix product.

A convolution is bilinear in (input, weight), so all of its derivatives are
convolutions again (book section 7.4: the backward of im2col is col2im):

* d(conv2d)/d(input)  is ``conv_transpose2d`` of the output gradient;
* d(conv2d)/d(weight) is a correlation of the input with the output gradient
  (:class:`ConvolutionWeightGrad`);
* and the derivatives of those two are conv2d and conv_transpose2d.

Each of the three is a :class:`Function` whose backward applies the others,
so the graph closes on itself and conv2d is differentiable to any order.
Shapes are NCHW; weights are (out, in/groups, KH, KW) for conv2d and
(in, out/groups, KH, KW) for conv_transpose2d, as in PyTorch.

Cost: with one group the columns are built a few images at a time and multiplied
while they are still in cache (at stride 1, every conv of the book's nets, on a
padded grid: :class:`ShiftedColumns`; strided, :class:`WindowColumns`); the whole
column matrix never exists, and the weight gradient rebuilds its chunks from the
forward's padded grid (kept while a weight gradient may be asked for) instead of
keeping them. Grouped convolutions use im2col's full column
matrix, kept for the weight gradient. At stride 1, the transposed convolution (and
so every input gradient) is computed as a correlation with the flipped kernel,
which avoids col2im's KH*KW strided additions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks
from tinygrad_book.autograd import Function
from tinygrad_book.checks import check_output_padding, conv_output_size, conv_transpose_output_size
from tinygrad_book.grad_mode import is_grad_enabled

from ._utils import as_tensor, check_float, check_ndim, check_same_dtype
from .chunked import ShiftedColumns, chunked_columns
from .im2col import col2im_array, im2col_array
from .padding import pad as _pad

if TYPE_CHECKING:
    from tinygrad_book._typing import IntOrTuple
    from tinygrad_book.tensor import Tensor


def _grouped_matmul(a, b, groups):
    """Per-group product of a (G*M, K) and b (G*K, P) -> (G*M, P): one BLAS call per group.

    One long product rather than one per image: with several BLAS threads each
    call is a synchronisation point (see benchmarks/README.md).
    """
    if groups == 1:
        return a @ b
    # Sizes spelled out, not -1: P is 0 for an empty batch, and NumPy cannot infer around it.
    out = np.matmul(a.reshape(groups, a.shape[0] // groups, a.shape[1]),
                    b.reshape(groups, b.shape[0] // groups, b.shape[1]))
    return out.reshape(a.shape[0], b.shape[1])


def _channel_major(g):
    """(N, C, H, W) -> (C, N*H*W): the layout the column matrices multiply against."""
    n, c, h, w = g.shape
    return g.transpose(1, 0, 2, 3).reshape(c, n * h * w)


def _on_grid(stride, groups):
    """Whether a convolution builds its columns in chunks (:func:`chunked_columns`): with
    one group, as every conv of the book's nets; ``stride`` decides which kind."""
    return groups == 1


def _few_rows(x, kernel_size):
    """Whether the columns have fewer than 64 rows (C*KH*KW: a first layer), which
    :class:`ConvolutionWeightGrad` multiplies image by image from the full column matrix."""
    return x.shape[1] * kernel_size[0] * kernel_size[1] < 64


class Convolution(Function):
    """y = W * x + b (cross-correlation), as ``W.reshape(OC, -1) @ im2col(x)`` (book section 7.4).

    ``keep_cols`` saves what the weight gradient would rebuild from ``x``: on the
    chunked path (one group), the padded grid its columns are read from; otherwise
    the column matrix, which ``cols`` may carry precomputed.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, cols=None,
                keep_cols=False):
        ctx.conf = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.attrs = ctx.conf
        if _on_grid(stride, groups):
            columns = chunked_columns(x, weight.shape[2:], stride, padding, dilation)
            # The weight gradient reads the same padded grid: keep it rather than rebuild it.
            keep = keep_cols and not _few_rows(x, weight.shape[2:])
            ctx.save_for_backward(x, weight, columns.grid if keep else None)
            return columns.correlate(weight, bias)
        n = x.shape[0]
        oc, _, kh, kw = weight.shape
        oh = conv_output_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
        ow = conv_output_size(x.shape[3], kw, stride[1], padding[1], dilation[1])
        if cols is None:
            cols = im2col_array(x, (kh, kw), stride, padding, dilation)
        out = _grouped_matmul(weight.reshape(oc, -1), cols, groups)
        if bias is not None:
            out += bias[:, None]
        ctx.save_for_backward(x, weight, cols if keep_cols else None)
        return np.ascontiguousarray(out.reshape(oc, n, oh, ow).transpose(1, 0, 2, 3))

    @staticmethod
    def backward(ctx, g):
        x, weight, cols = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        gx = gw = gb = None
        if need_x:
            gx = TransposedConvolution.apply(g, weight, None, output_size=x.shape[2:], **ctx.conf)
        if need_w:
            gw = ConvolutionWeightGrad.apply(x, g, kernel_size=weight.shape[2:],
                                        cols=None if cols is None else cols.data, **ctx.conf)
        if ctx.needs_input_grad[2]:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb


class ConvolutionWeightGrad(Function):
    """dL/dW = Σ_n g[n] @ im2col(x)[n]ᵀ: the correlation of the input with the output gradient.

    Bilinear in (x, g): its derivative with respect to g is conv2d(x, ·) and with
    respect to x is conv_transpose2d(g, ·). ``cols`` is what a :class:`Convolution` of
    ``x`` kept (``keep_cols``): the padded grid on the chunked path, the column
    matrix otherwise.
    """

    @staticmethod
    def forward(ctx, x, g, kernel_size, stride, padding, dilation, groups, cols=None):
        ctx.conf = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.attrs = ctx.conf
        ctx.save_for_backward(x, g)
        few_rows = _few_rows(x, kernel_size)
        if _on_grid(stride, groups) and not few_rows:
            # Here ``cols`` is the padded grid of the forward's columns, if it kept it.
            columns = chunked_columns(x, kernel_size, stride, padding, dilation, grid=cols)
            return columns.weight_grad(g)
        oc = g.shape[1]
        c = x.shape[1]
        if cols is None:
            cols = im2col_array(x, kernel_size, stride, padding, dilation)
        if groups == 1 and few_rows and g.shape[0]:
            # Few columns (a first layer: C*KH*KW = 25 in SimpleConvNet): one product
            # per image, summed, beats the single long one below, whose tiny result
            # makes BLAS stream both operands for little work.
            n = g.shape[0]
            gw = np.matmul(g.reshape(n, oc, -1),
                           cols.reshape(cols.shape[0], n, -1).transpose(1, 2, 0)).sum(0)
            return gw.reshape(oc, c, *kernel_size)
        gm = _channel_major(g)
        # cols @ gmᵀ, transposed afterwards: BLAS streams the long N*OH*OW axis of both
        # operands in memory order this way round.
        if groups == 1:
            gw = (cols @ gm.T).T
        else:
            gw = np.matmul(cols.reshape(groups, cols.shape[0] // groups, cols.shape[1]),
                           gm.reshape(groups, oc // groups, gm.shape[1]).transpose(0, 2, 1))
            gw = gw.transpose(0, 2, 1)
        return np.ascontiguousarray(gw).reshape(oc, c // groups, *kernel_size)

    @staticmethod
    def backward(ctx, gg):
        x, g = ctx.saved_tensors
        gx = g_g = None
        if ctx.needs_input_grad[0]:
            gx = TransposedConvolution.apply(g, gg, None, output_size=x.shape[2:], **ctx.conf)
        if ctx.needs_input_grad[1]:
            g_g = Convolution.apply(x, gg, None, keep_cols=is_grad_enabled(), **ctx.conf)
        return gx, g_g


class TransposedConvolution(Function):
    """The adjoint of conv2d: y = col2im(Wᵀ @ x) + b, for an explicit ``output_size`` (H, W).

    ``weight`` is (C_in, C_out/groups, KH, KW). Each input pixel scatters a
    weighted copy of the kernel into the output; overlaps add up.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, output_size):
        n = x.shape[0]
        cin, coutg, kh, kw = weight.shape
        full = tuple(d * (k - 1) - p for k, p, d in zip((kh, kw), padding, dilation, strict=True))
        same_size = tuple(s + 2 * f - d * (k - 1) for s, f, k, d in zip(
            x.shape[2:], full, (kh, kw), dilation, strict=True)) == tuple(output_size)
        if stride == (1, 1) and min(full) >= 0 and same_size:
            out = _correlate_flipped(x, weight, full, dilation, groups)
        else:
            w3 = weight.reshape(groups, cin // groups, coutg * kh * kw).transpose(0, 2, 1)
            xm = _channel_major(x)
            xm = xm.reshape(groups, cin // groups, xm.shape[1])
            cols = np.matmul(w3, xm).reshape(groups * coutg * kh * kw, xm.shape[2])
            out = col2im_array(cols, (n, groups * coutg) + tuple(output_size), (kh, kw), stride,
                               padding, dilation)
        if bias is not None:
            out += bias[:, None, None]
        ctx.conf = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.attrs = dict(ctx.conf, output_size=tuple(output_size))
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        # Both gradients correlate with g's columns: build them once.
        cols = None
        if need_x and need_w and not _on_grid(ctx.conf["stride"], ctx.conf["groups"]):
            cols = im2col_array(g.data, weight.shape[2:], ctx.conf["stride"],
                                ctx.conf["padding"], ctx.conf["dilation"])
        gx = gw = gb = None
        if need_x:
            gx = Convolution.apply(g, weight, None, cols=cols, keep_cols=is_grad_enabled(),
                                   **ctx.conf)
        if need_w:
            gw = ConvolutionWeightGrad.apply(g, x, kernel_size=weight.shape[2:], cols=cols,
                                        **ctx.conf)
        if ctx.needs_input_grad[2]:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb


def _correlate_flipped(x, weight, padding, dilation, groups):
    """Stride-1 transposed convolution as an ordinary one: correlate x with the
    kernel flipped in space and transposed in channels, padded by d(k-1) - p.

    Same values as col2im(Wᵀ @ x), but the big intermediate is im2col's columns
    (a strided copy) rather than a matrix product's output folded back with
    KH*KW strided additions.
    """
    cin, coutg, kh, kw = weight.shape
    flipped = weight.reshape(groups, cin // groups, coutg, kh, kw)[..., ::-1, ::-1]
    flipped = flipped.transpose(0, 2, 1, 3, 4)
    if _on_grid((1, 1), groups):
        return ShiftedColumns(x, (kh, kw), padding, dilation).correlate(flipped[0])
    flipped = flipped.reshape(groups * coutg, -1)
    n, _, h, w = x.shape
    cols = im2col_array(x, (kh, kw), (1, 1), padding, dilation)
    out = _grouped_matmul(flipped, cols, groups)
    oh = h + 2 * padding[0] - dilation[0] * (kh - 1)
    ow = w + 2 * padding[1] - dilation[1] * (kw - 1)
    return np.ascontiguousarray(out.reshape(groups * coutg, n, oh, ow).transpose(1, 0, 2, 3))


def _check_common(fn, input, weight, bias, groups):
    input = as_tensor(input, fn)
    weight = as_tensor(weight, fn, "weight")
    bias = None if bias is None else as_tensor(bias, fn, "bias")
    check_float(input, fn)
    check_float(weight, fn, "weight")
    check_ndim(input, (4,), fn, layout="(N, C, H, W)")
    check_ndim(weight, (4,), fn, "weight")
    check_same_dtype(fn, input=input, weight=weight, bias=bias)
    checks.integer(groups, "groups", f"{fn}()", minimum=1)
    if min(weight.shape) == 0:
        raise ValueError(f"{fn}(): weight of shape {weight.shape} has an empty dimension")
    return input, weight, bias, int(groups)


def _check_bias(fn, bias, channels):
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"{fn}(): bias must have shape ({channels},) (one per output "
                         f"channel), got {bias.shape}")


def _same_padding(kernel_size, dilation):
    """Per axis (before, after) padding that keeps the size at stride 1; any odd
    remainder goes after, as PyTorch's padding='same'."""
    total = [d * (k - 1) for k, d in zip(kernel_size, dilation, strict=True)]
    return [(t // 2, t - t // 2) for t in total]


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of an (N, C, H, W) input, as PyTorch's ``F.conv2d``.

    Args:
        input: (N, C_in, H, W).
        weight: (C_out, C_in/groups, KH, KW) filters.
        bias: optional (C_out,).
        stride, dilation: an int or (h, w) pair, positive.
        padding: an int or (h, w) pair of zeros added on both sides, or
            'valid' (none) or 'same' (output size = input size; stride 1 only).
        groups: split the channels into this many independent convolutions.
    Returns:
        (N, C_out, OH, OW) with OH = (H + 2P - d(KH-1) - 1) // S + 1 — the book's
        (H + 2P - FH) / S + 1 (eq. 7.1) for d = 1.

    Computed as one matrix product of the filters with im2col's columns; the
    backward pass is conv_transpose2d (input) and a correlation (weight).
    """
    fn = "conv2d"
    input, weight, bias, groups = _check_common(fn, input, weight, bias, groups)
    n, c, h, w = input.shape
    oc, cg, kh, kw = weight.shape
    if c != cg * groups:
        raise ValueError(
            f"conv2d(): given groups={groups}, weight of shape {weight.shape} expects the input "
            f"to have {cg * groups} channels, but input of shape {input.shape} has {c}")
    if oc % groups:
        raise ValueError(f"conv2d(): out_channels ({oc}, weight shape {weight.shape}) must be "
                         f"divisible by groups={groups}")
    _check_bias(fn, bias, oc)
    stride = checks.pair(stride, "stride", f"{fn}()")
    dilation = checks.pair(dilation, "dilation", f"{fn}()")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(f"conv2d(): padding='same' needs stride 1, got stride {stride}")
            (pt, pb), (pl, pr) = _same_padding((kh, kw), dilation)
            if (pt, pl) != (pb, pr):
                input = _pad(input, (0, pr - pl, 0, pb - pt))
            padding = (pt, pl)
        else:
            raise ValueError(f"conv2d(): padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
    padding = checks.pair(padding, "padding", f"{fn}()", minimum=0)
    _check_fits(fn, input.shape, (kh, kw), padding, dilation, weight.shape)
    keep_cols = weight.requires_grad and is_grad_enabled()
    return Convolution.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                        groups=groups, keep_cols=keep_cols)


def _check_fits(fn, shape, kernel, padding, dilation, weight_shape):
    padded = tuple(s + 2 * p for s, p in zip(shape[2:], padding, strict=True))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if padded[0] < eff[0] or padded[1] < eff[1]:
        raise ValueError(
            f"{fn}(): the padded input size per channel ({padded[0]} x {padded[1]}) is smaller "
            f"than the kernel size ({eff[0]} x {eff[1]}): input shape {shape}, weight shape "
            f"{weight_shape}, padding {padding}, dilation {dilation}")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """Transposed convolution (the gradient of conv2d w.r.t. its input), as PyTorch's.

    Args:
        input: (N, C_in, H, W).
        weight: (C_in, C_out/groups, KH, KW).
        bias: optional (C_out,).
        stride, padding, dilation: those of the conv2d this transposes.
        output_padding: extra rows/columns added at the bottom/right of the output,
            to pick among the input sizes a strided conv2d maps to the same output;
            must be smaller than stride or dilation.
    Returns:
        (N, C_out, OH, OW) with OH = (H - 1)·S - 2P + d(KH - 1) + output_padding + 1.
    """
    fn = "conv_transpose2d"
    input, weight, bias, groups = _check_common(fn, input, weight, bias, groups)
    n, c, h, w = input.shape
    cin, coutg, kh, kw = weight.shape
    if c != cin:
        raise ValueError(
            f"conv_transpose2d(): weight of shape {weight.shape} expects the input to have {cin} "
            f"channels, but input of shape {input.shape} has {c}")
    if cin % groups:
        raise ValueError(f"conv_transpose2d(): in_channels ({cin}, weight shape {weight.shape}) "
                         f"must be divisible by groups={groups}")
    _check_bias(fn, bias, coutg * groups)
    stride = checks.pair(stride, "stride", f"{fn}()")
    padding = checks.pair(padding, "padding", f"{fn}()", minimum=0)
    dilation = checks.pair(dilation, "dilation", f"{fn}()")
    output_padding = checks.pair(output_padding, "output_padding", f"{fn}()", minimum=0)
    check_output_padding(output_padding, stride, dilation, "conv_transpose2d()")
    out_size = tuple(conv_transpose_output_size(i, k, s, p, d, op) for i, k, s, p, d, op in zip(
        (h, w), (kh, kw), stride, padding, dilation, output_padding, strict=True))
    if min(out_size) < 1:
        raise ValueError(
            f"conv_transpose2d(): the output size {out_size} is not positive for input shape "
            f"{input.shape}, weight shape {weight.shape}, stride {stride}, padding {padding}")
    if all(op < s for op, s in zip(output_padding, stride, strict=True)):
        # Every output row is one a strided conv2d of that size reads: the pair are adjoints.
        return TransposedConvolution.apply(input, weight, bias, stride=stride, padding=padding,
                                     dilation=dilation, groups=groups, output_size=out_size)
    # output_padding >= stride (allowed when the dilation is larger): the output reaches
    # rows past those a conv2d of its size would read back. Build the unpadded full
    # output, then crop the padding off the start and take output_size rows, zeros
    # past its end (a padding below output_padding leaves rows no kernel tap reaches).
    full = tuple(conv_transpose_output_size(i, k, s, 0, d, 0) for i, k, s, d in zip(
        (h, w), (kh, kw), stride, dilation, strict=True))
    out = TransposedConvolution.apply(input, weight, None, stride=stride, padding=(0, 0),
                                dilation=dilation, groups=groups, output_size=full)
    (ph, pw), (oh, ow) = padding, out_size
    out = _pad(out, (-pw, ow + pw - full[1], -ph, oh + ph - full[0]))
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)
