"""Tensor constructors, as PyTorch names them: ``zeros``, ``randn``, ``arange``...

Floating point results default to float32. Random ones draw from the global
generator (``tinygrad_book.manual_seed``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import checks
from .ops.shape import shape_arg as _shape_arg
from .random import default_generator
from .tensor import Tensor

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import ArrayLike, DTypeLike, IntOrTuple


def _float_dtype(dtype):
    return np.dtype(np.float32 if dtype is None else dtype)


def _new(arr, requires_grad):
    return Tensor(arr, requires_grad=requires_grad)


def _check_shape(shape, op):
    shape = _shape_arg(shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"{op}: sizes must be non-negative, got shape {shape}")
    return shape


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: DTypeLike | None = None) -> Tensor:
    """A new leaf Tensor holding a copy of ``data`` (floats become float32)."""
    t = Tensor(data, dtype=dtype)
    if t.data is data or (isinstance(data, Tensor) and t.data is data.data):
        t.data = t.data.copy()
    t.requires_grad = requires_grad
    return t


def zeros(*shape: int, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_check_shape(shape, "zeros"), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape: int, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_check_shape(shape, "ones"), dtype=_float_dtype(dtype)), requires_grad)


def full(shape: IntOrTuple, fill_value: float, dtype: DTypeLike | None = None,
         requires_grad: bool = False) -> Tensor:
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    shape = _check_shape((shape,) if isinstance(shape, int) else tuple(shape), "full")
    return _new(np.full(shape, fill_value, dtype=_float_dtype(dtype)), requires_grad)


def empty(*shape: int, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _new(np.empty(_check_shape(shape, "empty"), dtype=_float_dtype(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(t.shape, dtype=dtype or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(t.shape, dtype=dtype or t.dtype), requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: DTypeLike | None = None,
              requires_grad: bool = False) -> Tensor:
    return _new(np.full(t.shape, fill_value, dtype=dtype or t.dtype), requires_grad)


def arange(start: float, end: float | None = None, step: int = 1, dtype: DTypeLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 for ints, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else np.float32
    return _new(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    steps = checks.integer(steps, "steps", "linspace", minimum=0)
    return _new(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None,
        requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*shape: int, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    shape = _check_shape(shape, "rand")
    arr = default_generator().random(shape, dtype=np.float64)
    return _new(arr.astype(_float_dtype(dtype)), requires_grad)


def randn(*shape: int, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    shape = _check_shape(shape, "randn")
    arr = default_generator().standard_normal(shape)
    return _new(arr.astype(_float_dtype(dtype)), requires_grad)


def randint(low: float, high: float | None = None, size: IntOrTuple = (),
            dtype: DTypeLike = np.int64, requires_grad: bool = False) -> Any:
    """Random integers in [low, high) (``randint(high, size)`` counts from 0, as PyTorch)."""
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be larger than low ({low})")
    size = _check_shape(tuple(size) if isinstance(size, (tuple, list)) else (size,), "randint")
    return _new(default_generator().integers(low, high, size=size).astype(dtype), requires_grad)


def rand_like(t: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def empty_like(t: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``t``'s shape (and dtype, unless ``dtype`` is given)."""
    return _new(np.empty(t.shape, dtype=dtype or t.dtype), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0,
             dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """``steps`` values from base**start to base**end, evenly spaced in the exponent."""
    steps = checks.integer(steps, "steps", "logspace", minimum=0)
    arr = np.logspace(start, end, steps, base=base)
    return _new(arr.astype(_float_dtype(dtype)), requires_grad)


def randint_like(t: Tensor, low: int = 0, high: float | None = None, dtype: DTypeLike | None = None,
                 requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high) of ``t``'s shape (``randint_like(t, high)`` from 0)."""
    if high is None:
        low, high = 0, low
    arr = default_generator().integers(low, high, size=t.shape)
    return _new(arr.astype(dtype or t.dtype), requires_grad)


def randperm(n: int, dtype: DTypeLike = np.int64, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    n = checks.integer(n, "n", "randperm", minimum=0)
    return _new(default_generator().permutation(int(n)).astype(dtype), requires_grad)


def normal(mean: float = 0.0, std: float = 1.0, size: IntOrTuple | None = None,
           dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Normal samples: ``mean`` and ``std`` are numbers (then ``size`` is needed) or
    tensors that broadcast together (then the result has their shape)."""
    m = mean.data if isinstance(mean, Tensor) else np.asarray(mean)
    s = std.data if isinstance(std, Tensor) else np.asarray(std)
    if np.any(s < 0):
        raise ValueError(f"normal: std must be non-negative, got {std!r}")
    if size is None:
        if m.ndim == 0 and s.ndim == 0 and not isinstance(mean, Tensor) \
                and not isinstance(std, Tensor):
            raise TypeError("normal: give size= when mean and std are numbers")
        size = np.broadcast_shapes(m.shape, s.shape)
    size = _check_shape(tuple(size) if isinstance(size, (tuple, list)) else (size,), "normal")
    floats = [x.dtype for x in (m, s) if x.dtype.kind == "f" and x.ndim]
    dtype = _float_dtype(dtype if dtype is not None else (floats[0] if floats else None))
    arr = m + s * default_generator().standard_normal(size)
    return _new(arr.astype(dtype), requires_grad)
