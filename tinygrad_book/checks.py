"""Argument checks and size rules shared by the core, nn, optim, the models and training.

Each check takes ``(value, name, op)`` and either returns the value as a plain Python
``int``/``float``/tuple or raises before any work is done, with one wording everywhere::

    Conv2d: stride must be positive, got (1, 0)
    conv2d(): kernel_size must be an int or a pair of ints, got 1.5
    DataLoader: batch_size must be an int, got float 2.5

``op`` names the layer or function (``"Conv2d"``, ``"conv2d()"``); with ``op=None`` the
message starts at the argument's name. Plain Python numbers matter: under NumPy 2's
promotion rules a Python float keeps float32 data float32, an ``np.float64`` would not.

The convolution sizes live here once too: ``F.conv2d``, ``F.conv_transpose2d``, im2col
and the model zoo all compute their output shapes with these.
"""
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np


class DimensionError(IndexError, ValueError):
    """A dimension (``dim``/``axis``) out of range.

    Both an ``IndexError`` (what PyTorch raises) and a ``ValueError`` (as NumPy's
    ``AxisError`` is both), so code written for either catches it. (Shapes that do not
    match stay a plain ``ValueError`` that names both shapes.)
    """

_BOOLS = (bool, np.bool_)


def _where(name: str, op: str | None) -> str:
    return f"{op}: {name}" if op else name


def _bound(minimum: int) -> str:
    return {1: "positive", 0: "non-negative"}.get(minimum, f">= {minimum}")


def is_int(value: object) -> bool:
    """True for an int or NumPy integer, False for a bool (which Python counts as an int)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, _BOOLS)


def is_real(value: object) -> bool:
    """True for a real number (int, float, NumPy scalar), False for a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, _BOOLS)


def integer(value: Any, name: str, op: str | None = None, minimum: int | None = None) -> int:
    """``int(value)`` for an int (not a bool), at least ``minimum`` when that is given."""
    if not is_int(value):
        raise TypeError(f"{_where(name, op)} must be an int, got {type(value).__name__} "
                        f"{value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_where(name, op)} must be {_bound(minimum)}, got {value}")
    return int(value)


def number(value: Any, name: str, op: str | None = None) -> float:
    """``float(value)`` for a real number (or a one-element array or Tensor); a TypeError
    for anything else, a bool or a numeric string included."""
    if not isinstance(value, (str, bytes) + _BOOLS) and not isinstance(value, complex):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{_where(name, op)} must be a number, got {type(value).__name__} "
                    f"{value!r}")


def finite(value: Any, name: str, op: str | None = None) -> float:
    """A real number that is neither NaN nor infinite, as a float."""
    value = number(value, name, op)
    if not math.isfinite(value):
        raise ValueError(f"{_where(name, op)} must be a finite number, got {value}")
    return value


def positive(value: Any, name: str, op: str | None = None, allow_zero: bool = False) -> float:
    """A finite number > 0 (>= 0 with ``allow_zero``), as a float."""
    value = finite(value, name, op)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{_where(name, op)} must be {_bound(0 if allow_zero else 1)}, "
                         f"got {value}")
    return value


def in_range(value: Any, name: str, op: str | None = None, low: float | None = None,
             high: float | None = None, *, low_open: bool = False, high_open: bool = False,
             finite: bool = False, label: str | None = None, integral: bool = False) -> Any:
    """A real number within ``low``..``high`` (an end left out with ``low_open``/``high_open``;
    NaN is in no range), as a float (an int with ``integral``, checked as ``integer``); with
    ``finite``, ±inf is refused too. Not a number: a TypeError, as ``number``. Outside::

        cross_entropy(): label_smoothing must be between 0.0 and 1.0, got 1.5
        train_val_split: val_fraction must be in (0, 1), got 1.0
        Invalid learning rate: lr=-0.1, expected lr >= 0      (label="learning rate")

    ``label`` gives PyTorch's optimizer wording ("Invalid <label>: ...") instead.
    """
    value = integer(value, name, op) if integral else number(value, name, op)
    above = low is None or (value > low if low_open else value >= low)
    below = high is None or (value < high if high_open else value <= high)
    if above and below and not (finite and math.isinf(value)):
        return value
    if not (above and below):
        bounds = [f"{'>' if low_open else '>='} {low:g}"] if low is not None else []
        bounds += [f"{'<' if high_open else '<='} {high:g}"] if high is not None else []
        if label:  # PyTorch's "expected 0 <= betas[0] < 1", "expected lr >= 0"
            expected = (f"{name} {bounds[0]}" if len(bounds) == 1 else
                        f"{low:g} {'<' if low_open else '<='} {name} {bounds[1]}")
        elif low is not None and high is not None and not (low_open or high_open):
            expected = f"between {float(low)!r} and {float(high)!r}"  # PyTorch's label_smoothing
        elif low is not None and high is not None:
            expected = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        else:
            expected = bounds[0]
    else:
        expected = "a finite number"
    if label:
        raise ValueError(f"Invalid {label}: {name}={value!r}, expected {expected}")
    raise ValueError(f"{_where(name, op)} must be {expected}, got {value!r}")


def seed(value: Any, op: str | None = None, name: str = "seed",
         allow_none: bool = True) -> int | None:
    """A random seed: an int >= 0 (NumPy's generators refuse negative ones), or ``None``
    (fresh entropy) with ``allow_none``; returned as a plain ``int``."""
    if value is None and allow_none:
        return None
    want = "None or an int >= 0" if allow_none else "an int >= 0"
    if not is_int(value):
        raise TypeError(f"{_where(name, op)} must be {want}, got {type(value).__name__} "
                        f"{value!r}")
    if value < 0:
        raise ValueError(f"{_where(name, op)} must be {want}, got {value}")
    return int(value)


def probability(value: Any, name: str, op: str | None = None) -> float:
    """A number in [0, 1] (NaN refused), as a float; PyTorch's wording for dropout's p."""
    if not is_real(value) or not 0 <= value <= 1:
        raise ValueError(f"{_where(name, op)} probability has to be between 0 and 1, but got "
                         f"{value!r}")
    return float(value)


def dim(value: Any, shape: Sequence[int], op: str | None = None, name: str = "dim") -> int:
    """A dimension of a tensor of ``shape`` (negative counts from the end; a 0-D tensor
    takes 0 and -1), as a non-negative int; a ValueError naming the range otherwise."""
    nd = max(len(shape), 1)
    if not is_int(value) or not -nd <= value < nd:
        raise ValueError(f"{_where(name, op)} must be an int in [{-nd}, {nd - 1}] for input of "
                         f"shape {tuple(shape)}, got {value!r}")
    return int(value) % nd


def ints(value: Any, n: int, name: str, op: str | None = None,
         minimum: int = 1) -> tuple[int, ...]:
    """An int (repeated ``n`` times) or ``n`` ints, each at least ``minimum``, as a tuple."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or not all(is_int(v) for v in items):
        many = "a pair of ints" if n == 2 else f"{n} ints"
        raise TypeError(f"{_where(name, op)} must be an int or {many}, got {value!r}")
    if min(items) < minimum:
        raise ValueError(f"{_where(name, op)} must be {_bound(minimum)}, got {value!r}")
    return tuple(int(v) for v in items)


def pair(value: Any, name: str, op: str | None = None, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints (height, width), each at least ``minimum``, as a tuple."""
    h, w = ints(value, 2, name, op, minimum)
    return h, w


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution along one axis: (H + 2P - FH) // S + 1 (book eq. 7.1),
    where a kernel dilated by d spans d*(FH-1)+1 pixels."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                               dilation: int = 1, output_padding: int = 0) -> int:
    """Output length of a transposed convolution along one axis:
    (H - 1)·S - 2P + d(FH - 1) + output_padding + 1, the largest input size a conv2d
    maps back to H (plus ``output_padding`` to pick a smaller-stride remainder)."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def check_output_padding(output_padding: Sequence[int], stride: Sequence[int],
                         dilation: Sequence[int], fn: str) -> None:
    """A transposed convolution's ``output_padding`` (pair) must be smaller than the stride or
    the dilation on each axis, as PyTorch requires; a ValueError naming all three otherwise."""
    for op, s, d in zip(output_padding, stride, dilation, strict=True):
        if op >= max(s, d):
            raise ValueError(f"{fn}: output_padding {tuple(output_padding)} must be smaller than "
                             f"either stride {tuple(stride)} or dilation {tuple(dilation)}")


def divisible(value: int, name: str, divisor: int, divisor_name: str,
              op: str | None = None) -> int:
    """``value`` when ``divisor`` divides it (channels into groups, embed_dim into heads)::

        GroupNorm: num_channels (6) must be divisible by num_groups (4)
    """
    if value % divisor:
        raise ValueError(f"{_where(name, op)} ({value}) must be divisible by {divisor_name} "
                         f"({divisor})")
    return value
