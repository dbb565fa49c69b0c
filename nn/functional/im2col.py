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
from numpy.lib.stride_tricks import as_strided, sliding_window_view

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


# Bytes of one chunk of columns: small enough to stay in a core's L2/L3 cache between
# being written and being read by the matrix product (see benchmarks/README.md).
CHUNK_BYTES = 1 << 20
# ... but at most this many chunks (BLAS calls) per pass: with several BLAS threads on a busy
# machine every call waits for all of its threads to be scheduled.
MAX_CHUNKS = 16


class _ChunkedColumns:
    """What the chunked column builders share: the products of a few images' columns at a
    time, each chunk multiplied (and moved into NCHW) while it is still in cache.

    A subclass sets ``n``, ``oh``, ``ow``, ``wp`` (the width every output row is
    computed at: ``ow``, or wider on a padded grid), ``span = oh*wp`` (columns per
    image), ``taps = (C, KH, KW)``, ``rows = C*KH*KW``, ``dtype``, ``grid`` (the padded
    input the columns are read from, which a later pass over the same input may reuse)
    and ``windows``, a read-only view ``(C, KH, KW, N, *tail)`` of it whose ``tail``
    holds one image's ``span`` columns; then calls :meth:`_set_chunk`.
    """

    n: int
    oh: int
    ow: int
    wp: int
    span: int
    taps: tuple[int, int, int]
    rows: int
    dtype: np.dtype
    grid: np.ndarray
    windows: np.ndarray
    chunk: int

    def _set_chunk(self) -> None:
        self.chunk = max(1, CHUNK_BYTES // (self.rows * self.span * self.dtype.itemsize),
                         -(-self.n // MAX_CHUNKS))

    def chunks(self):
        """Yield (first image, end image, columns (C*KH*KW, images*span)) in image order.

        The columns live in one buffer that the next chunk overwrites.
        """
        tail = self.windows.shape[4:]
        buf = np.empty(self.rows * min(self.chunk, self.n) * self.span, dtype=self.dtype)
        for start in range(0, self.n, self.chunk):
            m = min(self.chunk, self.n - start)
            cols = buf[:self.rows * m * self.span].reshape(self.taps + (m,) + tail)
            np.copyto(cols, self.windows[:, :, :, start:start + m])
            yield start, start + m, cols.reshape(self.rows, m * self.span)

    def correlate(self, weight, bias=None, relu=False, pool=False):
        """The convolution (N, OC, OH, OW) with weight (OC, C, KH, KW), plus ``bias`` (OC,)
        if given: one product per chunk of columns, the bias added and the result moved
        into the NCHW output while it is still in cache. ``relu`` and ``pool`` (2×2 max-pool,
        stride 2: (N, OC, OH//2, OW//2)) apply to each chunk in cache too, for a forward
        without gradients: the values of ReLU then MaxPool2d(2) on the output."""
        oc = weight.shape[0]
        bias = None if bias is None else bias[:, None]
        w2 = weight.reshape(oc, self.rows)
        out_hw = (self.oh // 2, self.ow // 2) if pool else (self.oh, self.ow)
        y = np.empty((self.n, oc) + out_hw, dtype=self.dtype)
        buf = np.empty(oc * min(self.chunk, self.n) * self.span, dtype=self.dtype)
        for start, _end, cols in self.chunks():
            part = np.matmul(w2, cols, out=buf[:oc * cols.shape[1]].reshape(oc, cols.shape[1]))
            if bias is not None:
                part += bias
            if pool:
                # max(relu(a), relu(b)) = relu(max(a, b)): pool first, on a quarter the values.
                m = part.shape[1] // self.span
                part = window_max(part.reshape(oc, m, self.oh, self.wp)[..., :self.ow],
                                  list(window_slices((2, 2), (2, 2), (1, 1), out_hw)))
            if relu:
                np.maximum(part, part.dtype.type(0), out=part)
            if not pool:
                self.from_grid(part, y, start)
            else:
                y[start:start + part.shape[1]] = part.transpose(1, 0, 2, 3)
        return y

    def weight_grad(self, g):
        """dL/dW (OC, C, KH, KW) = Σ over chunks of columns · gᵀ, for g (N, OC, OH, OW)."""
        oc = g.shape[1]
        acc = np.zeros((self.rows, oc), dtype=g.dtype)
        part = np.empty_like(acc)
        for start, end, cols in self.chunks():
            # columns @ gᵀ: both operands stream their long axis in memory order.
            acc += np.matmul(cols, self.to_grid(g, start, end).T, out=part)
        return np.ascontiguousarray(acc.T).reshape((oc,) + self.taps)

    def to_grid(self, y, start, end):
        """Images start..end of y (N, K, OH, OW) -> (K, images*span), laid out as the
        products' outputs of that chunk, with zeros where the grid has no output."""
        k, m = y.shape[1], end - start
        out = (np.empty if self.wp == self.ow else np.zeros)((k, m, self.oh, self.wp), y.dtype)
        out[..., :self.ow] = y[start:end].transpose(1, 0, 2, 3)
        return out.reshape(k, m * self.span)

    def from_grid(self, part, y, start):
        """Write a chunk's products (K, images*span) into images start.. of y (N, K, OH, OW)."""
        k, m = part.shape[0], part.shape[1] // self.span
        grid = part.reshape(k, m, self.oh, self.wp)[..., :self.ow]
        y[start:start + m] = grid.transpose(1, 0, 2, 3)


class ShiftedColumns(_ChunkedColumns):
    """im2col for a stride-1 convolution, built a few images at a time on a padded grid.

    The input is laid out once, channel-major, in a zeroed buffer ``(C, L)``: image n's
    pixel (r, q) at ``lead + n*Hp*Wp + r*Wp + q``, rows ``Wp = W + PW`` wide and images
    ``Hp = H + PH`` rows apart (more if the output is larger). Neighbouring rows share
    their padding: a window reading left of column 0 wraps onto the previous row's ``PW``
    zeros (likewise between images; ``lead`` zeros come first). The pixel under tap (i, j)
    of the window whose output is at (n, r, q) then sits at a fixed shift ``i*dh*Wp +
    j*dw`` from the window's first pixel, so the columns of a run of images are KH*KW
    shifted *contiguous* copies of the buffer. Each image gives ``span = OH*Wp`` columns;
    the last ``Wp - OW`` of each row (windows that wrap) are dropped by :meth:`from_grid`
    (9/8 of the products at 8×8 with padding 1; none for DeepConvNet's conv4). The
    batch's column matrix never exists: :meth:`chunks` writes one cache-sized piece at a
    time, and each piece's product is moved into NCHW while it is still in cache.
    """

    def __init__(self, x, kernel_size, padding, dilation, grid=None):
        n, c, h, w = x.shape
        (kh, kw), (ph, pw), (dh, dw) = kernel_size, padding, dilation
        self.n, self.dtype = n, x.dtype
        self.oh = conv_output_size(h, kh, 1, ph, dh)
        self.ow = conv_output_size(w, kw, 1, pw, dw)
        # Wp >= W + PW puts PW zeros between rows; >= OW keeps output rows apart.
        self.hp, self.wp = max(h + ph, self.oh), max(w + pw, self.ow)
        self.span = self.oh * self.wp
        self.taps, self.rows = (c, kh, kw), c * kh * kw
        # The first window starts PH rows and PW columns before image 0; the last one's
        # wrapped tail reads up to row H + 2PH - 1 and (KW-1)*dw pixels on.
        lead = ph * self.wp + pw
        size = max(lead + n * self.hp * self.wp,
                   (n - 1) * self.hp * self.wp + (h + 2 * ph) * self.wp + (kw - 1) * dw)
        if grid is None:
            grid = np.zeros((c, size), dtype=x.dtype)
            image = grid[:, lead:lead + n * self.hp * self.wp].reshape(c, n, self.hp, self.wp)
            image[:, :, :h, :w] = x.transpose(1, 0, 2, 3)
        self.grid = grid
        step, item = self.grid.strides[0], self.grid.itemsize
        # windows[c, i, j, n, t]: the pixel under tap (i, j) of image n's t-th window.
        self.windows = as_strided(self.grid, shape=(c, kh, kw, n, self.span),
                                  strides=(step, dh * self.wp * item, dw * item,
                                           self.hp * self.wp * item, item), writeable=False)
        self._set_chunk()


class WindowColumns(_ChunkedColumns):
    """im2col for any stride and dilation, a few images at a time: the book's columns
    exactly (``span = OH*OW``, no wrapped windows), each chunk copied from a strided
    view of the once-padded input and multiplied while it is still in cache.

    For strided convolutions, whose windows do not sit at fixed shifts of one
    another on a grid; stride 1 is faster on :class:`ShiftedColumns`' contiguous copies.
    """

    def __init__(self, x, kernel_size, stride, padding, dilation, grid=None):
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
        self.n, self.dtype = n, x.dtype
        self.oh = conv_output_size(h, kh, sh, ph, dh)
        self.ow = conv_output_size(w, kw, sw, pw, dw)
        self.wp, self.span = self.ow, self.oh * self.ow
        self.taps, self.rows = (c, kh, kw), c * kh * kw
        padded = x if grid is None else grid
        if (ph or pw) and grid is None:
            padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
            padded[:, :, ph:ph + h, pw:pw + w] = x
        self.grid = padded
        windows = sliding_window_view(padded, ((kh - 1) * dh + 1, (kw - 1) * dw + 1),
                                      axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
        self.windows = windows.transpose(1, 4, 5, 0, 2, 3)    # (C, KH, KW, N, OH, OW)
        self._set_chunk()


def chunked_columns(x, kernel_size, stride, padding, dilation, grid=None):
    """The chunked columns of ``x`` for a convolution with one group: on the padded grid at
    stride 1, the book's exact columns otherwise. ``grid`` is the ``.grid`` (the padded
    input) of earlier columns of the same ``x`` and settings, to reuse instead of rebuilding."""
    if stride == (1, 1):
        return ShiftedColumns(x, kernel_size, padding, dilation, grid)
    return WindowColumns(x, kernel_size, stride, padding, dilation, grid)


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
