"""Resizing and channel dropout: ``interpolate`` and ``dropout1d``/``dropout2d``.

Each interpolation mode is linear in the input, one (out, in) matrix per
spatial axis, so y = A_h · x · A_wᵀ and its backward is the transposed
product — the same trick as adaptive average pooling.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks
from tinygrad_book.random import default_generator
from tinygrad_book.tensor import Tensor

from ._utils import as_tensor, check_float

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import IntOrTuple

_MODES = {"nearest": 1, "nearest-exact": 1, "linear": 1, "bilinear": 2, "area": 1}


def _matrix(size, out, mode, align_corners, scale, dtype):
    """(out, size) interpolation matrix along one axis, as PyTorch's kernels index.

    ``scale`` is the user's scale_factor (or None): PyTorch then uses 1/scale_factor
    as the source step instead of size/out.
    """
    step = size / out if scale is None else 1 / scale
    i = np.arange(out)
    m = np.zeros((out, size), dtype=dtype)
    if mode == "nearest":
        m[i, np.minimum(np.floor(i * step).astype(np.int64), size - 1)] = 1
        return m
    if mode == "nearest-exact":
        m[i, np.minimum(np.floor((i + 0.5) * step).astype(np.int64), size - 1)] = 1
        return m
    if mode == "area":   # adaptive average pooling's windows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉)
        for k in range(out):
            lo, hi = (k * size) // out, -((-(k + 1) * size) // out)
            m[k, lo:hi] = 1 / (hi - lo)
        return m
    if align_corners:
        src = i * ((size - 1) / (out - 1)) if out > 1 else np.zeros(out)
    else:
        src = np.maximum((i + 0.5) * step - 0.5, 0)
    lo = np.minimum(np.floor(src).astype(np.int64), size - 1)
    hi = np.minimum(lo + 1, size - 1)
    frac = src - lo
    np.add.at(m, (i, lo), 1 - frac)
    np.add.at(m, (i, hi), frac)
    return m


def _sizes(fn, shape, size, scale_factor, dims):
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{fn}(): pass exactly one of size and scale_factor")
    if size is not None:
        return checks.ints(size, dims, "size", f"{fn}()", minimum=1), (None,) * dims
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else \
        (scale_factor,) * dims
    if len(scales) != dims:
        raise ValueError(f"{fn}(): scale_factor must be a positive number or {dims} of them, "
                         f"got {scale_factor!r}")
    scales = tuple(checks.positive(s, "scale_factor", f"{fn}()") for s in scales)
    return (tuple(int(math.floor(n * s)) for n, s in zip(shape[2:], scales, strict=True)),
            scales)


def interpolate(input: Tensor, size: IntOrTuple | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: Any = None,
                antialias: bool = False) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor``.

    Modes: 'nearest' (PyTorch's legacy rule src = ⌊i·in/out⌋), 'nearest-exact',
    'area' (adaptive average pooling), 'linear' (3-D) and 'bilinear' (4-D), with
    ``align_corners`` True (corner pixels map onto corner pixels) or False
    (pixel centres; the default).
    """
    fn = "interpolate"
    input = as_tensor(input, fn)
    check_float(input, fn)
    if mode not in _MODES:
        raise ValueError(f"{fn}(): mode must be one of {sorted(_MODES)}, got {mode!r}")
    if antialias:
        raise ValueError(f"{fn}(): antialias=True is not supported")
    dims = input.ndim - 2
    if dims not in (1, 2) or (mode == "linear" and dims != 1) or (mode == "bilinear"
                                                                  and dims != 2):
        raise ValueError(f"{fn}(): mode {mode!r} does not take input of shape {input.shape} "
                         "(nearest: 3-D or 4-D, linear: 3-D, bilinear: 4-D)")
    if align_corners is not None and mode not in ("linear", "bilinear"):
        raise ValueError(f"{fn}(): align_corners only has an effect with linear or bilinear "
                         "modes; leave it None")
    out_size, scales = _sizes(fn, input.shape, size, scale_factor, dims)
    if recompute_scale_factor:
        scales = (None,) * dims
    mats = [_matrix(n, o, mode, bool(align_corners), s, input.dtype)
            for n, o, s in zip(input.shape[2:], out_size, scales, strict=True)]
    if dims == 1:
        return input @ Tensor(mats[0].T.copy())
    return Tensor(mats[0]) @ input @ Tensor(mats[1].T.copy())


def _channel_dropout(fn, input, p, training, batched_ndim):
    input = as_tensor(input, fn)
    p = checks.probability(p, "dropout", f"{fn}()")
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise ValueError(f"{fn}(): expected {batched_ndim - 1}-D or {batched_ndim}-D input, "
                         f"got shape {input.shape}")
    if not training or p == 0:
        return input
    check_float(input, fn)
    lead = input.ndim - (batched_ndim - 2)     # (N, C) or (C,)
    shape = input.shape[:lead] + (1,) * (input.ndim - lead)
    if p == 1:
        return input * 0.0
    keep = default_generator().random(shape) >= p
    return input * Tensor((keep / (1 - p)).astype(input.dtype))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) (or (C, L)) input with probability ``p``; survivors
    are scaled by 1/(1 - p). Identity in evaluation."""
    return _channel_dropout("dropout1d", input, p, training, 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels (feature maps) of (N, C, H, W) (or (C, H, W)) input with
    probability ``p``, as ``F.dropout2d``; survivors are scaled by 1/(1 - p)."""
    return _channel_dropout("dropout2d", input, p, training, 4)
