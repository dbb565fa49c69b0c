"""im2col in chunks: the columns of a few images at a time, each chunk multiplied (and its
product moved out) while it is still in cache, so that a batch's column matrix never exists.

:class:`ShiftedColumns` (stride 1, on a padded grid whose columns are shifted contiguous
copies) and :class:`WindowColumns` (any stride: the book's exact columns) share
:class:`_ChunkedColumns`' products: the convolution (:meth:`~_ChunkedColumns.correlate`) and
its weight gradient (:meth:`~_ChunkedColumns.weight_grad`). conv2d uses them for one group.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from tinygrad_book.checks import conv_output_size

from .im2col import window_max, window_slices

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

    def chunks(self, ones=False):
        """Yield (first image, end image, columns (C*KH*KW, images*span)) in image order;
        with ``ones``, a row of ones below them (C*KH*KW + 1 rows), which makes a bias
        one more column of the weight, added inside the product rather than after it.

        The columns live in one buffer that the next chunk overwrites.
        """
        tail, rows = self.windows.shape[4:], self.rows + bool(ones)
        buf = np.empty(rows * min(self.chunk, self.n) * self.span, dtype=self.dtype)
        for start in range(0, self.n, self.chunk):
            m = min(self.chunk, self.n - start)
            cols = buf[:rows * m * self.span].reshape(rows, m * self.span)
            np.copyto(cols[:self.rows].reshape(self.taps + (m,) + tail),
                      self.windows[:, :, :, start:start + m])
            if ones:
                cols[self.rows] = 1
            yield start, start + m, cols

    def correlate(self, weight, bias=None, relu=False, pool=False, into=None):
        """The convolution (N, OC, OH, OW) with weight (OC, C, KH, KW), plus ``bias`` (OC,)
        if given: one product per chunk of columns, the bias added and the result moved
        into the NCHW output while it is still in cache. ``relu`` and ``pool`` (2×2 max-pool,
        stride 2: (N, OC, OH//2, OW//2)) apply to each chunk in cache too, for a forward
        without gradients: the values of ReLU then MaxPool2d(2) on the output. With ``into``
        (an (OC, N, ...) view, the next layer's :meth:`ShiftedColumns.images`), the result
        goes there channel-major (and is returned)."""
        oc = weight.shape[0]
        w2 = weight.reshape(oc, self.rows)
        if bias is not None:
            w2 = np.concatenate([w2, bias[:, None]], axis=1)
        out_hw = (self.oh // 2, self.ow // 2) if pool else (self.oh, self.ow)
        y = np.empty((self.n, oc) + out_hw, dtype=self.dtype) if into is None else into
        buf = np.empty(oc * min(self.chunk, self.n) * self.span, dtype=self.dtype)
        for start, _end, cols in self.chunks(ones=bias is not None):
            part = np.matmul(w2, cols, out=buf[:oc * cols.shape[1]].reshape(oc, cols.shape[1]))
            m = part.shape[1] // self.span
            if pool:
                # max(relu(a), relu(b)) = relu(max(a, b)): pool first, on a quarter the values.
                part = window_max(part.reshape(oc, m, self.oh, self.wp)[..., :self.ow],
                                  list(window_slices((2, 2), (2, 2), (1, 1), out_hw)))
            if into is not None:
                view = part if pool else part.reshape(oc, m, self.oh, self.wp)[..., :self.ow]
                if relu:
                    np.maximum(view, view.dtype.type(0), out=into[:, start:start + m])
                else:
                    into[:, start:start + m] = view
                continue
            if relu:
                np.maximum(part, part.dtype.type(0), out=part)
            if pool:
                y[start:start + m] = part.transpose(1, 0, 2, 3)
            else:
                self.from_grid(part, y, start)
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

    def __init__(self, x, kernel_size, padding, dilation, grid=None, fill=True):
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
        self.lead, self.size = lead, (h, w)
        if grid is None:
            self.grid = np.zeros((c, size), dtype=x.dtype)
            if fill:
                self.images()[...] = x.transpose(1, 0, 2, 3)
        else:
            self.grid = grid
        step, item = self.grid.strides[0], self.grid.itemsize
        # windows[c, i, j, n, t]: the pixel under tap (i, j) of image n's t-th window.
        self.windows = as_strided(self.grid, shape=(c, kh, kw, n, self.span),
                                  strides=(step, dh * self.wp * item, dw * item,
                                           self.hp * self.wp * item, item), writeable=False)
        self._set_chunk()

    @classmethod
    def awaiting(cls, shape, dtype, kernel_size, padding, dilation):
        """Columns of an (N, C, H, W) input still to be computed: a zeroed grid, whose
        :meth:`images` the producer writes (``correlate(..., into=)``) instead of an NCHW
        array this would copy in."""
        stand_in = np.broadcast_to(np.zeros((), dtype), shape)
        return cls(stand_in, kernel_size, padding, dilation, fill=False)

    def images(self):
        """The input's pixels in the grid: a writable view (C, N, H, W)."""
        n, (c, _, _), (h, w) = self.n, self.taps, self.size
        image = self.grid[:, self.lead:self.lead + n * self.hp * self.wp]
        return image.reshape(c, n, self.hp, self.wp)[:, :, :h, :w]


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
