"""1-D pooling over (N, C, L) sequences, and adaptive max pooling.

The 1-D poolings view the input as (N, C, 1, L) and call the 2-D ones with a
window of height one, so they share their arg-max bookkeeping, ``ceil_mode``
and backward. Adaptive max pooling takes PyTorch's windows
[⌊iH/oh⌋, ⌈(i+1)H/oh⌉): the 2-D max pool when they tile the input, otherwise
one max per output cell.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from tinygrad_book import checks
from tinygrad_book.tensor import Tensor, stack

from ._utils import as_tensor, check_float, check_ndim
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import IntOrTuple


def _single(value: Any, fn: str, name: str, minimum: int = 1) -> int:
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{fn}(): '{name}' must be an int >= {minimum} (or a 1-tuple), got "
                         f"{value!r}")
    return int(value)


def _as_2d(fn: str, input: Tensor) -> tuple[Tensor, bool]:
    """(N, C, L) -> (N, C, 1, L); unbatched (C, L) gets a batch of one."""
    input = as_tensor(input, fn)
    check_float(input, fn)
    check_ndim(input, (2, 3), fn, layout="(N, C, L) or (C, L)")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    return x.unsqueeze(2), input.ndim == 2


def _back(out: Tensor, unbatched: bool) -> Tensor:
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


@overload
def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: Literal[False] = False) -> Tensor: ...
@overload
def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               *, return_indices: Literal[True]) -> tuple[Tensor, Tensor]: ...
@overload
def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]: ...
def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window of length ``kernel_size`` of (N, C, L), as ``F.max_pool1d``."""
    fn = "max_pool1d"
    x, unbatched = _as_2d(fn, input)
    k = _single(kernel_size, fn, "kernel_size")
    s = k if stride is None or stride == () else _single(stride, fn, "stride")
    out = max_pool2d(x, (1, k), (1, s), (0, _single(padding, fn, "padding", 0)),
                     (1, _single(dilation, fn, "dilation")), ceil_mode, return_indices)
    if isinstance(out, tuple):  # return_indices
        # The flat index into a plane of height one is already the position along L.
        return _back(out[0], unbatched), _back(out[1], unbatched)
    return _back(out, unbatched)


def avg_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over each window of length ``kernel_size`` of (N, C, L), as ``F.avg_pool1d``."""
    fn = "avg_pool1d"
    x, unbatched = _as_2d(fn, input)
    k = _single(kernel_size, fn, "kernel_size")
    s = k if stride is None or stride == () else _single(stride, fn, "stride")
    out = avg_pool2d(x, (1, k), (1, s), (0, _single(padding, fn, "padding", 0)), ceil_mode,
                     count_include_pad)
    return _back(out, unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size: IntOrTuple) -> Tensor:
    """Average-pool (N, C, L) to (N, C, output_size) with PyTorch's adaptive windows."""
    fn = "adaptive_avg_pool1d"
    x, unbatched = _as_2d(fn, input)
    return _back(adaptive_avg_pool2d(x, (1, _single(output_size, fn, "output_size"))),
                 unbatched)


def _bounds(size: int, out: int) -> list[tuple[int, int]]:
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


@overload
def adaptive_max_pool2d(input: Tensor, output_size: IntOrTuple,
                        return_indices: Literal[False] = False) -> Tensor: ...
@overload
def adaptive_max_pool2d(input: Tensor, output_size: IntOrTuple,
                        *, return_indices: Literal[True]) -> tuple[Tensor, Tensor]: ...
@overload
def adaptive_max_pool2d(input: Tensor, output_size: IntOrTuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]: ...
def adaptive_max_pool2d(input: Tensor, output_size: IntOrTuple,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max-pool (N, C, H, W) to (N, C, *output_size) with PyTorch's adaptive windows.

    ``output_size`` is an int or a pair (``None`` keeps that size). With
    ``return_indices`` also returns each maximum's flat index into its H*W plane.
    """
    fn = "adaptive_max_pool2d"
    input = as_tensor(input, fn)
    check_float(input, fn)
    check_ndim(input, (4,), fn, layout="(N, C, H, W)")
    n, c, h, w = input.shape
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(s if o is None else o for o, s in zip(output_size, (h, w), strict=True))
    oh, ow = checks.pair(output_size, "output_size", f"{fn}()")
    if h % oh == 0 and w % ow == 0:
        return max_pool2d(input, (h // oh, w // ow), return_indices=return_indices)
    rows, cols = _bounds(h, oh), _bounds(w, ow)
    cells, index = [], np.empty((n, c, oh, ow), dtype=np.int64)
    for i, (h0, h1) in enumerate(rows):
        for j, (w0, w1) in enumerate(cols):
            window = input[:, :, h0:h1, w0:w1].reshape(n, c, -1)
            cells.append(window.max(axis=-1))
            if return_indices:
                k = window.data.argmax(axis=-1)
                index[:, :, i, j] = (h0 + k // (w1 - w0)) * w + w0 + k % (w1 - w0)
    out = stack(cells, axis=-1).reshape(n, c, oh, ow)
    return (out, Tensor(index)) if return_indices else out
