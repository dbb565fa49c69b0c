"""Casts and new tensors like an existing one: ``.half()``, ``.int()``, ``.bool()``,
``.type()``, ``.type_as()``, ``.contiguous()``, ``.new_zeros()`` and friends.

A cast between floating dtypes is differentiable (the gradient is cast back);
a cast to an integer or boolean dtype leaves the graph, as in PyTorch.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from .front import as_tensor, constant, tensor_method

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike, DTypeLike, IntOrTuple
    from tinygrad_book.tensor import Tensor

# PyTorch's legacy type names, as ``Tensor.type()`` returns and accepts them.
_TYPE_NAMES = {np.dtype(np.float16): "HalfTensor", np.dtype(np.float32): "FloatTensor",
               np.dtype(np.float64): "DoubleTensor", np.dtype(np.int8): "CharTensor",
               np.dtype(np.uint8): "ByteTensor", np.dtype(np.int16): "ShortTensor",
               np.dtype(np.int32): "IntTensor", np.dtype(np.int64): "LongTensor",
               np.dtype(np.bool_): "BoolTensor"}
_BY_NAME = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def _as_dtype(dtype, op):
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None


def _cast(input, dtype):
    if input.dtype == dtype:
        return input
    if dtype.kind != "f":
        return constant(input.data.astype(dtype))
    return input.astype(dtype)


def _caster(dtype, doc):
    def cast(input: Tensor) -> Tensor:
        return _cast(input, np.dtype(dtype))
    cast.__doc__ = doc
    return cast


half = tensor_method("half")(_caster(np.float16, "The values as float16."))
int_ = tensor_method("int")(_caster(np.int32, "The values as int32 (truncated towards zero)."))
short = tensor_method("short")(_caster(np.int16, "The values as int16."))
char = tensor_method("char")(_caster(np.int8, "The values as int8."))
byte = tensor_method("byte")(_caster(np.uint8, "The values as uint8."))
bool_ = tensor_method("bool")(_caster(np.bool_, "True where the value is non-zero."))


@tensor_method("type")
def type_(input: Tensor, dtype: DTypeLike | None = None) -> Tensor:
    """Without ``dtype``: the type's name, as PyTorch's ('tinygrad_book.FloatTensor').
    With a dtype (or a name such as 'torch.DoubleTensor'): the values converted."""
    if dtype is None:
        return "tinygrad_book." + _TYPE_NAMES.get(input.dtype, f"{input.dtype}Tensor")
    return _cast(input, _as_dtype(dtype, "type()"))


@tensor_method()
def type_as(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """The values converted to ``other``'s dtype."""
    return _cast(input, as_tensor(other).dtype)


@tensor_method()
def contiguous(input: Tensor) -> Tensor:
    """The tensor itself when its array is C-contiguous, else a differentiable copy."""
    if input.data.flags.c_contiguous:
        return input
    return input.clone()


def _new(input, fill, size, dtype, requires_grad):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"new tensor: sizes must be non-negative ints, got {size}")
    dtype = input.dtype if dtype is None else _as_dtype(dtype, "new tensor")
    data = np.empty(size, dtype) if fill is None else np.full(size, fill, dtype)
    return registry.Tensor(data, requires_grad=requires_grad)


@tensor_method()
def new_zeros(input: Tensor, *size: int, dtype: DTypeLike | None = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given."""
    return _new(input, 0, size, dtype, requires_grad)


@tensor_method()
def new_ones(input: Tensor, *size: int, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""
    return _new(input, 1, size, dtype, requires_grad)


@tensor_method()
def new_empty(input: Tensor, *size: int, dtype: DTypeLike | None = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` (this tensor's dtype by default)."""
    return _new(input, None, size, dtype, requires_grad)


@tensor_method()
def new_full(input: Tensor, size: IntOrTuple, fill_value: float, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere in ``size``, with this tensor's dtype by default."""
    return _new(input, fill_value, (tuple(size),), dtype, requires_grad)


@tensor_method()
def new_tensor(input: Tensor, data: ArrayLike, dtype: DTypeLike | None = None,
               requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` as a new leaf, with this tensor's dtype by default."""
    data = data.data if isinstance(data, registry.Tensor) else data
    dtype = input.dtype if dtype is None else _as_dtype(dtype, "new_tensor()")
    return registry.Tensor(np.array(data, dtype=dtype), requires_grad=requires_grad)
