"""What the front functions of the ops modules share: argument checks for dims,
and operands made Tensors.

Tensor methods come by registration (``tensor_method``, from
``tinygrad_book.registry``; see ``ops/__init__.py``), and the Tensor type and
the binary operators' type promotion are reached from here without importing
``tensor.py``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import checks, registry
from ..checks import DimensionError
from ..registry import tensor_method  # noqa: F401  (the ops modules import it from here)
from .elementwise import binary as _binary
from .operands import (  # noqa: F401
    as_operand,
    as_tensor,
    floating,  # noqa: F401
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import TypeIs

    from tinygrad_book._typing import DTypeLike
    from tinygrad_book.autograd import Function
    from tinygrad_book.tensor import Tensor


def unary_front(body: Callable[[Tensor], Tensor], doc: str) -> Callable[[Tensor], Tensor]:
    """The front function of a one-input op that is ``body(input)`` once ``input`` is a
    Tensor, with ``doc`` as its docstring; decorate it with ``tensor_method`` to make it a
    Tensor method too (``half = tensor_method("half")(unary_front(...))``)."""
    def front(input: Tensor) -> Tensor:
        return body(as_tensor(input))
    front.__doc__ = doc
    return front


def constant(arr: Any) -> Tensor:
    """A Tensor outside the graph around ``arr`` (made an array if it is not one)."""
    return registry.constant(np.asarray(arr))


def is_tensor(x: object) -> TypeIs[Tensor]:
    return isinstance(x, registry.Tensor)


def binary(fn: type[Function], a: Any, b: Any) -> Tensor:
    """``fn.apply(a, b)`` after the binary operators' type promotion (numbers are weak)."""
    if not isinstance(a, registry.Tensor):
        return _binary(fn, as_tensor(b), a, reflected=True)
    return _binary(fn, a, b)


def pair(a: Any, b: Any, op: str = "op", broadcast: bool = True) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as Tensors, numbers taking the other operand's dtype; with
    ``broadcast``, shapes that do not broadcast are a ValueError naming both."""
    if not isinstance(a, registry.Tensor):
        b = as_tensor(b)
        a = as_operand(a, b)
    else:
        b = as_operand(b, a)
    if broadcast and a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(f"{op}: the shapes {a.shape} and {b.shape} do not broadcast "
                             "together (each dimension must be equal, or 1 in one of them)"
                             ) from None
    return a, b


def float_pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as Tensors of one floating dtype (integers become float32)."""
    a, b = pair(a, b)
    kinds = (a.dtype.kind == "f", b.dtype.kind == "f")
    if all(kinds):
        dtype = np.result_type(a.dtype, b.dtype)
    elif any(kinds):
        dtype = a.dtype if kinds[0] else b.dtype
    else:
        dtype = np.dtype(np.float32)
    return to_dtype(a, dtype), to_dtype(b, dtype)


def to_dtype(t: Tensor, dtype: DTypeLike) -> Tensor:
    return t if t.dtype == dtype else t.astype(dtype)


def dim_arg(dim: Any, ndim: int, op: str, name: str = "dim") -> int:
    """``dim`` as a non-negative int below ``ndim`` (a 0-d tensor accepts 0 and -1)."""
    if not checks.is_int(dim):
        raise TypeError(f"{op}: {name} must be an int, got {dim!r}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise DimensionError(f"{op}: {name} {dim} is out of range for a tensor of {ndim} "
                             f"dimensions (expected -{bound} <= {name} < {bound})")
    return int(dim) % bound


def dims_arg(dims: Any, ndim: int, op: str, name: str = "dim") -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of distinct non-negative dims."""
    items = (dims,) if isinstance(dims, (int, np.integer)) else dims
    if not isinstance(items, (tuple, list)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in items):
        raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {dims!r}")
    out = tuple(dim_arg(d, ndim, op, name) for d in items)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: {name} {tuple(items)} repeats "
                         f"{'an axis' if name == 'axis' else 'a dimension'}")
    return out


def reduce_dims(dims: Any, ndim: int, op: str, name: str = "dim") -> tuple[int, ...]:
    """The dims a reduction runs over, as a sorted tuple: ``None`` is every dim, and a 0-d
    tensor accepts 0 and -1 (reducing nothing)."""
    if dims is None:
        return tuple(range(ndim))
    axes = tuple(sorted(dims_arg(dims, ndim, op, name)))
    return axes if ndim else ()


def pick(dim: Any, axis: Any, default: Any = None) -> Any:
    """PyTorch's ``dim`` and NumPy's ``axis`` name the same thing: whichever is given
    (``dim`` if both are), else ``default``."""
    if dim is not None:
        return dim
    return default if axis is None else axis


def keep(keepdim: bool | None, keepdims: bool | None) -> bool:
    """PyTorch's ``keepdim`` and NumPy's ``keepdims`` name the same thing: True if either is."""
    return bool(keepdim or keepdims)


def float_arg(input: Any, dtype: DTypeLike | None, op: str) -> Tensor:
    """``input`` as a Tensor, in ``dtype`` if that is given, refused unless it then holds
    floats (the ops that are only defined on real numbers: nanmean, vector_norm...)."""
    input = as_tensor(input)
    if dtype is not None:
        input = input.astype(dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {input.dtype}")
    return input


def int_arg(value: Any, op: str, name: str, low: int | None = None) -> int:
    if not checks.is_int(value):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{op}: {name} must be >= {low}, got {value}")
    return int(value)


def index_tensor(index: Any, op: str, name: str = "index") -> np.ndarray:
    """An integer index array from a Tensor, array or list (bool is refused)."""
    arr = index.data if isinstance(index, registry.Tensor) else np.asarray(index)
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must hold integers, got dtype {arr.dtype}")
    return arr
