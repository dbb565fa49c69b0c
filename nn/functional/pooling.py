"""Max and average pooling over (N, C, H, W) windows (book section 7.3).

Both loop over the KH*KW kernel offsets, never over output pixels: offset k
touches one strided slab of the padded input in every window at once
(:func:`window_slices`). Max pooling keeps, per output, the offset of the
winning element (the book's ``arg_max``), so its backward routes each
gradient to exactly one input element — the first maximum in row-major window
order on ties, as PyTorch does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from tinygrad_book import checks
from tinygrad_book.autograd import Function

from ._utils import as_tensor, check_float, check_ndim
from .im2col import conv_output_size, window_max, window_slices

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import IntOrTuple, Pair
    from tinygrad_book.tensor import Tensor


def _padded(x, padding, value, extra=(0, 0)):
    """x padded by ``padding`` on each side, plus ``extra`` more at the bottom/right
    (where ceil_mode's last windows hang over)."""
    (ph, pw), (eh, ew) = padding, extra
    if not (ph or pw or eh or ew):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph + eh, w + 2 * pw + ew), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _crop(padded, padding, shape):
    ph, pw = padding
    if padded.shape[2:] == tuple(shape[2:]):
        return padded
    return padded[:, :, ph:ph + shape[2], pw:pw + shape[3]]


def _max_and_arg(x, kernel_size, stride, padding, dilation, out_size, extra=(0, 0)):
    """Window maxima and, per output, the offset k = i*KW + j of the element chosen."""
    xp = _padded(x, padding, -np.inf, extra)
    slabs = list(window_slices(kernel_size, stride, dilation, out_size))
    out = window_max(xp, slabs)
    # Reverse order so the first maximum in the window wins ties. Arithmetic
    # (arg -= (arg - k)·hit) instead of np.where/copyto: branch-free, several
    # times faster on the random masks pooling produces.
    arg = np.zeros(out.shape, dtype=np.int8 if len(slabs) <= 127 else np.int32)
    step = np.empty_like(arg)
    for k, where in reversed(slabs):
        np.subtract(arg, k, out=step)
        step *= xp[where] == out
        arg -= step
    nan_out = np.isnan(out)
    if nan_out.any():
        # A NaN never equals the NaN maximum; PyTorch picks the window's last NaN.
        for k, where in slabs:
            arg[nan_out & np.isnan(xp[where])] = k
    if padding != (0, 0) or extra != (0, 0):
        lost = np.isneginf(out)
        if lost.any():
            # An all -inf window ties with its padding: take its first real pixel.
            real = _padded(np.ones((1, 1) + x.shape[2:], dtype=bool), padding, False, extra)
            for k, where in reversed(slabs):
                arg[lost & real[where]] = k
    return out, arg


class MaxPooling(Function):
    """y = max over each window; dL/dx = g at the window's arg-max, 0 elsewhere."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, out_size, extra=(0, 0)):
        if not ctx.needs_input_grad[0]:
            # Nothing will flow back (inference, no_grad): the maxima without the arg-max,
            # which costs more than they do.
            slabs = list(window_slices(kernel_size, stride, dilation, out_size))
            return window_max(_padded(x, padding, -np.inf, extra), slabs)
        out, ctx.arg = _max_and_arg(x, kernel_size, stride, padding, dilation, out_size, extra)
        ctx.conf = _max_pool_conf(kernel_size, stride, padding, dilation, x.shape, extra)
        ctx.attrs = dict(kernel_size=kernel_size, stride=stride, padding=padding)
        return out

    @staticmethod
    def backward(ctx, g):
        return _MaxPoolScatter.apply(g, arg=ctx.arg, **ctx.conf)


def _max_pool_conf(kernel_size, stride, padding, dilation, input_shape, extra):
    """A max-pool's geometry, as its scatter (backward) and gather (double backward) take it."""
    return dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                input_shape=input_shape, extra=extra)


class _MaxPoolScatter(Function):
    """Each output gradient added at its window's arg-max position (the pooling's backward)."""

    @staticmethod
    def forward(ctx, g, arg, kernel_size, stride, padding, dilation, input_shape, extra):
        n, c, h, w = input_shape
        ctx.arg = arg
        ctx.conf = _max_pool_conf(kernel_size, stride, padding, dilation, input_shape, extra)
        # g·mask is ~10x faster than np.where(mask, g, 0) on random masks, but
        # would spread 0·inf = NaN beyond the arg-max when g is not finite.
        finite = np.isfinite(g).all()
        (kh, kw), (oh, ow) = kernel_size, g.shape[2:]
        if finite and stride == kernel_size and padding == (0, 0) and dilation == (1, 1) \
                and (h, w) == (oh * kh, ow * kw):
            # Windows tile the input (every pool in the book): the input is the
            # (N, C, OH, KH, OW, KW) array of windows, so each offset's gradient is
            # written once into its own slab — no zeroing, no strided additions.
            acc = np.empty((n, c, oh, kh, ow, kw), dtype=g.dtype)
            for i in range(kh):
                for j in range(kw):
                    np.multiply(g, arg == i * kw + j, out=acc[:, :, :, i, :, j])
            return acc.reshape(input_shape)
        acc = np.zeros((n, c, h + 2 * padding[0] + extra[0], w + 2 * padding[1] + extra[1]),
                       dtype=g.dtype)
        for k, where in window_slices(kernel_size, stride, dilation, g.shape[2:]):
            hit = arg == k
            acc[where] += g * hit if finite else np.where(hit, g, g.dtype.type(0))
        return _crop(acc, padding, input_shape)

    @staticmethod
    def backward(ctx, gg):
        return _MaxPoolGather.apply(gg, arg=ctx.arg, **ctx.conf)


class _MaxPoolGather(Function):
    """The values at each window's arg-max position: the adjoint of the scatter."""

    @staticmethod
    def forward(ctx, x, arg, kernel_size, stride, padding, dilation, input_shape, extra):
        xp = _padded(x, padding, 0, extra)
        out = np.zeros(arg.shape, dtype=x.dtype)
        for k, where in window_slices(kernel_size, stride, dilation, arg.shape[2:]):
            np.copyto(out, xp[where], where=arg == k)
        ctx.arg = arg
        ctx.conf = _max_pool_conf(kernel_size, stride, padding, dilation, input_shape, extra)
        return out

    @staticmethod
    def backward(ctx, g):
        return _MaxPoolScatter.apply(g, arg=ctx.arg, **ctx.conf)


def _flat_indices(arg, kernel_size, stride, padding, dilation, width):
    """Window offsets -> index into each flattened (H*W) input plane, as PyTorch returns."""
    ki, kj = np.divmod(arg.astype(np.int64), kernel_size[1])
    oh, ow = arg.shape[2:]
    rows = np.arange(oh)[:, None] * stride[0] + ki * dilation[0] - padding[0]
    cols = np.arange(ow)[None, :] * stride[1] + kj * dilation[1] - padding[1]
    return rows * width + cols


def _pool_conf(fn: str, input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None,
               padding: IntOrTuple, dilation: IntOrTuple = 1, ceil_mode: bool = False
               ) -> tuple[Tensor, Pair, Pair, Pair, Pair, tuple[int, ...], tuple[int, ...]]:
    input = as_tensor(input, fn)
    check_float(input, fn)
    check_ndim(input, (4,), fn, layout="(N, C, H, W)")
    kernel_size = checks.pair(kernel_size, "kernel_size", f"{fn}()")
    if stride is None or stride == ():
        stride = kernel_size
    else:
        stride = checks.pair(stride, "stride", f"{fn}()")
    padding = checks.pair(padding, "padding", f"{fn}()", minimum=0)
    dilation = checks.pair(dilation, "dilation", f"{fn}()")
    for p, k, d in zip(padding, kernel_size, dilation, strict=True):
        if p > (d * (k - 1) + 1) // 2:
            raise ValueError(f"{fn}(): padding should be at most half of the effective kernel "
                             f"size, but got padding={padding}, kernel_size={kernel_size} and "
                             f"dilation={dilation}")
    out_size = tuple(_output_size(s, k, st, p, d, ceil_mode) for s, k, st, p, d in zip(
        input.shape[2:], kernel_size, stride, padding, dilation, strict=True))
    if min(out_size) < 1:
        raise ValueError(f"{fn}(): input of shape {input.shape} is smaller than the "
                         f"kernel_size {kernel_size} (padding {padding}, dilation {dilation})")
    if dilation != (1, 1):
        # A dilated window can step over the whole input and land only on padding: its
        # maximum would be -inf (PyTorch returns that, with an arbitrary gradient).
        for size, k, st, p, d, o in zip(input.shape[2:], kernel_size, stride, padding,
                                        dilation, out_size, strict=True):
            taps = np.arange(o)[:, None] * st + np.arange(k) * d - p
            if not ((taps >= 0) & (taps < size)).any(axis=1).all():
                raise ValueError(
                    f"{fn}(): with kernel_size {kernel_size}, stride {stride}, padding "
                    f"{padding} and dilation {dilation}, some windows over input of shape "
                    f"{input.shape} hold only padding (their maximum would be -inf); use less "
                    "padding or dilation")
    # Rows/columns the last (ceil_mode) windows reach beyond the padded input.
    extra = tuple(max(0, (o - 1) * st + d * (k - 1) + 1 - (s + 2 * p)) for s, k, st, p, d, o in
                  zip(input.shape[2:], kernel_size, stride, padding, dilation, out_size,
                      strict=True))
    return input, kernel_size, stride, padding, dilation, out_size, extra


def _output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """Windows along one axis: eq. 7.1 rounded down, or up with ``ceil_mode`` — but, as
    PyTorch, the last window must start inside the input or its left padding."""
    if not ceil_mode:
        return conv_output_size(size, kernel, stride, padding, dilation)
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= size + padding:
        out -= 1
    return out


@overload
def max_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: Literal[False] = False) -> Tensor: ...
@overload
def max_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False, *,
               return_indices: Literal[True]) -> tuple[Tensor, Tensor]: ...
@overload
def max_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]: ...
def max_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each KH x KW window of an (N, C, H, W) input, as PyTorch's ``F.max_pool2d``.

    ``stride`` defaults to ``kernel_size`` (non-overlapping windows, the book's
    pooling); ``padding`` counts as -inf so it never wins. Output size
    (H + 2P - KH) // S + 1. With ``return_indices=True`` also returns, per
    output, the flat index into its input plane (H*W) of the chosen element.

    Cost: KH*KW passes over output-sized strided slabs, no window copy. For
    the book's case (stride = kernel, no padding, sizes divisible) those slabs
    are exactly the views ``x.reshape(N, C, OH, KH, OW, KW)[:, :, :, i, :, j]``,
    so the general path already is the reshape fast path.
    """
    input, kernel_size, stride, padding, dilation, out_size, extra = _pool_conf(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    out = MaxPooling.apply(input, kernel_size=kernel_size, stride=stride, padding=padding,
                          dilation=dilation, out_size=out_size, extra=extra)
    if not return_indices:
        return out
    from tinygrad_book.tensor import Tensor

    if out.grad_fn is not None:
        arg = out.grad_fn.arg
    else:
        _, arg = _max_and_arg(input.data, kernel_size, stride, padding, dilation, out_size,
                              extra)
    idx = _flat_indices(arg, kernel_size, stride, padding, dilation, input.shape[3])
    return out, Tensor(idx)


def _window_sum(xp, kernel_size, stride, out_size):
    slabs = window_slices(kernel_size, stride, (1, 1), out_size)
    _, first = next(slabs)
    out = xp[first].copy()
    for _, where in slabs:
        out += xp[where]
    return out


class AveragePooling(Function):
    """y = (Σ over each window) / divisor; dL/dx spreads g/divisor over the window."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, divisor, out_size, extra):
        out = _window_sum(_padded(x, padding, 0, extra), kernel_size, stride, out_size)
        out /= divisor
        ctx.conf = dict(kernel_size=kernel_size, stride=stride, padding=padding, divisor=divisor,
                        input_shape=x.shape, extra=extra)
        ctx.attrs = dict(kernel_size=kernel_size, stride=stride, padding=padding)
        return out

    @staticmethod
    def backward(ctx, g):
        return _AvgPoolSpread.apply(g, **ctx.conf)


class _AvgPoolSpread(Function):
    """g/divisor added to every pixel of its window: the adjoint of average pooling."""

    @staticmethod
    def forward(ctx, g, kernel_size, stride, padding, divisor, input_shape, extra):
        n, c, h, w = input_shape
        share = g / divisor
        acc = np.zeros((n, c, h + 2 * padding[0] + extra[0], w + 2 * padding[1] + extra[1]),
                       dtype=g.dtype)
        for _, where in window_slices(kernel_size, stride, (1, 1), g.shape[2:]):
            acc[where] += share
        ctx.conf = dict(kernel_size=kernel_size, stride=stride, padding=padding, divisor=divisor,
                        out_size=g.shape[2:], extra=extra)
        return _crop(acc, padding, input_shape)

    @staticmethod
    def backward(ctx, gg):
        return AveragePooling.apply(gg, **ctx.conf)


def avg_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Tensor:
    """Mean over each KH x KW window of an (N, C, H, W) input, as PyTorch's ``F.avg_pool2d``.

    With ``count_include_pad=True`` (PyTorch's default) zero padding counts in
    every average, so each output divides by KH*KW; with False, by the number
    of real pixels in its window. ``divisor_override`` replaces the divisor.
    """
    fn = "avg_pool2d"
    input, kernel_size, stride, padding, _, out_size, extra = _pool_conf(
        fn, input, kernel_size, stride, padding, 1, ceil_mode)
    dtype = input.dtype.type
    if divisor_override is not None:
        checks.integer(divisor_override, "divisor_override", f"{fn}()", minimum=1)
        divisor = dtype(divisor_override)
    elif extra == (0, 0) and (count_include_pad or padding == (0, 0)):
        divisor = dtype(kernel_size[0] * kernel_size[1])
    else:
        # Pixels counted per window: the window sums of a plane of ones over the input
        # (and its padding if count_include_pad) — never ceil_mode's overhang, as PyTorch.
        counted = np.ones((1, 1) + input.shape[2:], dtype=input.dtype)
        if count_include_pad:
            counted = np.ones((1, 1) + tuple(s + 2 * p for s, p in zip(input.shape[2:], padding,
                                                                       strict=True)),
                              dtype=input.dtype)
            counted = _padded(counted, (0, 0), 0, extra)
        else:
            counted = _padded(counted, padding, 0, extra)
        divisor = _window_sum(counted, kernel_size, stride, out_size)[0, 0]
    return AveragePooling.apply(input, kernel_size=kernel_size, stride=stride, padding=padding,
                           divisor=divisor, out_size=out_size, extra=extra)


def _adaptive_matrix(size, out, dtype):
    """(out, size) averaging matrix: row i averages PyTorch's adaptive window
    [floor(i*size/out), ceil((i+1)*size/out))."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        lo, hi = (i * size) // out, -((-(i + 1) * size) // out)
        m[i, lo:hi] = 1 / (hi - lo)
    return m


def adaptive_avg_pool2d(input: Tensor, output_size: IntOrTuple) -> Tensor:
    """Average-pool (N, C, H, W) to ``(N, C, *output_size)``, windows as PyTorch chooses them.

    ``output_size`` is an int or an (oh, ow) pair (``None`` keeps that input
    size). ``1`` is global average pooling. When the output size divides the
    input size this is avg_pool2d with kernel = stride = H/oh; otherwise the
    overlapping windows are applied as averaging matrices, A_h @ x @ A_wᵀ.
    """
    fn = "adaptive_avg_pool2d"
    input = as_tensor(input, fn)
    check_float(input, fn)
    check_ndim(input, (4,), fn, layout="(N, C, H, W)")
    h, w = input.shape[2:]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(s if o is None else o for o, s in zip(output_size, (h, w), strict=True))
    oh, ow = checks.pair(output_size, "output_size", f"{fn}()")
    if (oh, ow) == (1, 1):
        return input.mean(axis=(2, 3), keepdims=True)
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    from tinygrad_book.tensor import Tensor

    a_h = Tensor(_adaptive_matrix(h, oh, input.dtype))
    a_w = Tensor(_adaptive_matrix(w, ow, input.dtype).T.copy())
    return a_h @ input @ a_w
