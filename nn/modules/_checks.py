"""Constructor argument checks shared by the layers: errors name the layer, argument and value."""
import math
import numbers

import numpy as np


def positive_int(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an int, got {value!r} "
                        f"({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value}")
    return int(value)


def pair(value, name, layer, minimum=1):
    """An int or a pair of ints (height, width), each >= ``minimum``, as a tuple."""
    items = value if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              for v in items):
        raise TypeError(f"{layer}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in items):
        bound = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{layer}: {name} must be {bound}, got {value!r}")
    return tuple(int(v) for v in items)


def probability(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{layer}: {name} probability has to be between 0 and 1, but got "
                         f"{value!r}")
    return float(value)


def positive_float(value, name, layer, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{layer}: {name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{layer}: {name} must be a finite number, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{layer}: {name} must be {'non-negative' if allow_zero else 'positive'}"
                         f", got {value}")
    return float(value)


def reduction(value, layer):
    if value not in ("mean", "sum", "none"):
        raise ValueError(f"{layer}: reduction must be 'mean', 'sum' or 'none', got {value!r}")
    return value


def float_dtype(dtype, layer):
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{layer}: dtype must be a floating point type, got {dt}")
    return dt
