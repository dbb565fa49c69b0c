"""Checks only the layers need (reduction names, parameter dtypes); the general ones
(ints, numbers, pairs, probabilities) are in ``tinygrad_book.checks``."""
import numpy as np


def reduction(value, layer):
    if value not in ("mean", "sum", "none"):
        raise ValueError(f"{layer}: reduction must be 'mean', 'sum' or 'none', got {value!r}")
    return value


def float_dtype(dtype, layer):
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{layer}: dtype must be a floating point type, got {dt}")
    return dt
