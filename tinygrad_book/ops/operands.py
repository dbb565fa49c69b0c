"""Operands of the ops: user data to arrays, and PyTorch's type promotion.

Front functions call these before they apply a Function, so that
``x * 2.0`` stays float32, ``n * 2`` stays int and ``int_tensor / 2`` is a
float, as in PyTorch (NumPy alone would give float64 or int64 in places).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import registry

if TYPE_CHECKING:
    from tinygrad_book._typing import DTypeLike
    from tinygrad_book.tensor import Tensor

_FLOATS = (float, np.floating)
_BOOLS = (bool, np.bool_)
_SCALARS = (int, float, np.integer, np.floating, np.bool_)


def to_array(data: Any, dtype: DTypeLike | None) -> np.ndarray:
    """Convert user data to an array: Python floats become float32, as in PyTorch."""
    if isinstance(data, registry.Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray):
        arr = data if dtype is None else data.astype(dtype, copy=False)
    elif isinstance(data, np.generic):
        arr = np.asarray(data, dtype=dtype)
    else:
        try:
            arr = np.asarray(data, dtype=dtype)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"tensor(data): could not convert {type(data).__name__} to an "
                            f"array of numbers: {exc}") from None
        if dtype is None and arr.dtype == np.float64 and not _holds_float64_array(data):
            arr = arr.astype(np.float32)
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor(data): unsupported dtype {arr.dtype} (from {type(data).__name__}); "
            "expected a floating point, integer or boolean array")
    return arr


def _holds_float64_array(data: Any) -> bool:
    """Whether nested lists hold a float64 Tensor or array: then the result stays float64,
    as ``torch.tensor([t64, ...])`` does (Python floats alone give float32)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, registry.Tensor):
            item = item.data
        if isinstance(item, np.ndarray) and item.dtype == np.float64:
            return True
    return False


def as_tensor(x: Any) -> Tensor:
    """``x`` itself if it is a Tensor, else a new Tensor made from it."""
    return x if isinstance(x, registry.Tensor) else registry.Tensor(x)


def as_operand(x: Any, like: Tensor) -> Tensor:
    """``x`` as a Tensor to combine with the Tensor ``like`` (a constant unless it is one).

    Numbers (Python's and NumPy's scalars) are "weak", as in PyTorch: they take
    ``like``'s dtype when they fit its kind, so ``x * 2.0`` stays float32 and
    ``n * 2`` stays int; a float with an integer tensor gives float32 (PyTorch's
    default dtype). Arrays keep their own dtype.
    """
    if isinstance(x, registry.Tensor):
        return x
    return registry.constant(operand_array(x, like))


def operand_array(x: Any, like: Tensor) -> np.ndarray:
    """The array ``as_operand`` wraps (op arguments may be plain arrays: constants)."""
    if isinstance(x, _SCALARS):
        dtype = like.data.dtype
        kind = dtype.kind
        if kind == "f":
            return scalar_array(x, dtype)
        if isinstance(x, _FLOATS):
            return np.asarray(x, dtype=np.float32)
        if kind != "b" and not isinstance(x, _BOOLS):
            return np.asarray(x, dtype=dtype)
        return np.asarray(x)
    if isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"complex numbers are not supported (got {x!r})")
    arr = x if isinstance(x, np.ndarray) else to_array(x, None)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"unsupported operand of dtype {arr.dtype}; expected numbers")
    return arr


def scalar_array(x: Any, dtype: np.dtype) -> np.ndarray:
    """The number ``x`` as a 0-d array of the floating ``dtype``, read-only and made
    once per value and dtype.

    A small op is mostly fixed costs: NumPy 2 adds a Python number (``a + 0.5``)
    about 0.5 µs more slowly than a 0-d array of ``a``'s dtype, and making that
    array costs 0.3 µs. Zero is made anew each time (0.0 and -0.0 are equal keys
    with different results), and so is NaN (never equal to itself).
    """
    key = (x, x.__class__, dtype)
    arr = _scalar_arrays.get(key)
    if arr is None:
        arr = np.asarray(x, dtype=dtype)
        if x and x == x:
            if len(_scalar_arrays) >= 1024:
                _scalar_arrays.clear()
            arr.flags.writeable = False  # shared by every op that uses this number
            _scalar_arrays[key] = arr
    return arr


_scalar_arrays: dict[Any, np.ndarray] = {}


def one_of(dtype: np.dtype) -> np.ndarray:
    """``scalar_array(1, dtype)``, for derivatives such as ``1 - z²`` (a dict lookup less)."""
    one = _ones.get(dtype)
    return one if one is not None else scalar_array(1, dtype)


_ones = {np.dtype(t): scalar_array(1, np.dtype(t)) for t in (np.float16, np.float32, np.float64)}


def zeros_for(a: np.ndarray) -> np.ndarray:
    """Read-only zeros that broadcast against ``a`` element for element, for
    ``np.maximum(a, zeros_for(a))``: NumPy's maximum against a scalar takes an
    unvectorised loop (6.0 µs on (100, 100) float32, 850 µs on (100, 30, 24, 24)),
    against a same-size array a vectorised one (1.9 µs, 300 µs). The zeros cover
    the whole of a small ``a`` and one sample (all axes but the first) of a
    large one, so the cache stays small; a 0-d zero if even that is large."""
    n, shape = a.size, a.shape
    if n > _ZEROS_LIMIT:
        if len(shape) < 2 or n // shape[0] > _ZEROS_LIMIT:
            return scalar_array(0, a.dtype)  # (made anew each time: zero is not cached)
        n, shape = n // shape[0], shape[1:]
    zeros = _zeros.get((n, a.dtype))
    if zeros is None:
        if len(_zeros) >= 64:
            _zeros.clear()
        zeros = _zeros[(n, a.dtype)] = np.zeros(n, a.dtype)
        zeros.flags.writeable = False
    return zeros.reshape(shape)


_ZEROS_LIMIT = 1 << 16  # elements (256 KiB of float32)
_zeros: dict[Any, np.ndarray] = {}


def promote(a: Any, b: Any, da: np.dtype, db: np.dtype, true_divide: bool,
            cast_bool: bool = False) -> tuple[Any, Any]:
    """``a`` and ``b`` (dtypes ``da``, ``db``) brought to a common kind, PyTorch's way.

    An integer or boolean operand meeting a float one takes the float's dtype;
    true division of integers is done in float32. Only operands that need no
    gradient are converted, so the results may be plain arrays (constants).
    """
    float_a, float_b = da.kind == "f", db.kind == "f"
    # A boolean operand (ReLU's mask, a comparison) meeting a float one is left
    # as it is: NumPy's loop converts it on the fly to exactly the float's dtype,
    # so an astype would only add a full-size temporary. (Not for matmul, whose
    # BLAS path needs both operands in one dtype.)
    if float_a and not float_b:
        if cast_bool or db.kind != "b":
            b = _cast_constant(b, da)
        elif isinstance(b, registry.Tensor):
            b = b.data
    elif float_b and not float_a:
        if cast_bool or da.kind != "b":
            a = _cast_constant(a, db)
        elif isinstance(a, registry.Tensor):
            a = a.data
    elif true_divide and not float_a:
        a, b = _cast_constant(a, np.float32), _cast_constant(b, np.float32)
    return a, b


def _cast_constant(x: Any, dtype: DTypeLike) -> np.ndarray:
    # Only integer and boolean operands are converted, and those never require grad.
    return (x.data if isinstance(x, registry.Tensor) else x).astype(dtype)


def floating(t: Tensor) -> Tensor:
    """``t`` itself if it is floating point, else converted to float32 (PyTorch's
    default dtype) for the maths functions NumPy would compute in float64."""
    if t.data.dtype.kind == "f":
        return t
    return registry.constant(t.data.astype(np.float32))
