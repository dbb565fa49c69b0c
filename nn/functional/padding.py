"""``F.pad``: PyTorch's padding, with PyTorch's argument convention.

Two pads, two conventions, each named where it lives:

- ``F.pad(input, pad, mode, value)`` (here) takes PyTorch's flat list, last axis
  first: ``(left, right, top, bottom, ...)``. Widths may be negative (they crop), and
  the modes are 'constant', 'reflect', 'replicate' and 'circular'.
- ``Tensor.pad(pad_width, value)`` / ``tinygrad_book.pad`` take NumPy's ``pad_width``:
  an int, a ``(before, after)`` pair, or one pair per axis, first axis first; constant
  only, widths non-negative.

Along each axis, an output position j reads input position j − before: 'constant'
fills the positions outside the input with ``value``, 'reflect' mirrors them about the
edge (without repeating it), 'replicate' repeats the edge. 'circular' first crops the
negative widths, then wraps the cropped tensor around — PyTorch's order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book.ops.join import pad as _pad_constant

from ._utils import as_tensor, check_float

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book.tensor import Tensor

MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative widths, crop) ``input``; ``pad`` = (left, right, top, bottom, ...).

    Pairs apply from the last dimension backwards, so ``(1, 1, 2, 2)`` pads W by 1 and
    H by 2 on each side, and ``(-1, 2, -3, 4)`` on a (3, 3) input crops 1 column on the
    left and 3 rows on top and pads 2 on the right and 4 at the bottom: shape (4, 4).
    Each axis keeps ``n + before + after >= 0`` entries.
    """
    input = as_tensor(input, "pad")
    widths = _widths(input, pad, mode, value)
    if mode == "constant":
        return _constant(input, widths, 0.0 if value is None else value)
    check_float(input, "pad")
    out = input
    for axis, (before, after) in enumerate(widths):
        if before or after:
            index = _source_index(input.shape, axis, before, after, mode)
            out = out[(slice(None),) * axis + (index,)]
    return out


def _widths(input, pad, mode, value):
    """PyTorch's flat ``pad`` list as one (before, after) pair per axis, checked."""
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) > 2 * input.ndim or not all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad(): pad must be an even number of ints, at most 2 per dimension "
                         f"(input shape {input.shape}), got {pad!r}")
    if mode not in MODES:
        raise ValueError(f"pad(): mode must be one of {MODES}, got {mode!r}")
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(f"pad(): value is only used with mode='constant', got mode={mode!r}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for n, (before, after) in zip(input.shape, widths, strict=True):
        if n + before + after < 0:
            raise ValueError(f"pad(): padding {pad!r} leaves a negative size "
                             f"({n} + {before} + {after}) for input of shape {input.shape}")
    return widths


def _constant(input, widths, value):
    """Crop the negative widths, then pad the positive ones with ``value``."""
    if any(b < 0 or a < 0 for b, a in widths):
        input = input[tuple(slice(max(-b, 0), n - max(-a, 0))
                            for (b, a), n in zip(widths, input.shape, strict=True))]
    widths = tuple((max(b, 0), max(a, 0)) for b, a in widths)
    if not any(b or a for b, a in widths):
        return input
    return _pad_constant(input, widths, value)


def _source_index(shape, axis, before, after, mode):
    """The input position each output position of ``axis`` reads, for the index modes."""
    n = shape[axis]
    if mode == "circular":
        start, stop = max(-before, 0), n - max(-after, 0)   # crop first, as PyTorch
        kept = stop - start
        if max(before, after) > kept:
            raise ValueError(f"pad(): circular padding {(before, after)} wraps around more "
                             f"than once the {kept} entries kept of dimension {axis} of "
                             f"shape {shape}")
        return start + np.arange(-max(before, 0), kept + max(after, 0)) % max(kept, 1)
    pos = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if max(before, after) >= n:
        raise ValueError(f"pad(): reflect padding {(before, after)} must be smaller than the "
                         f"dimension size {n} of shape {shape}")
    period = 2 * (n - 1)
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= n, period - pos, pos)
