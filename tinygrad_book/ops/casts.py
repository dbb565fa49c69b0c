"""dtype conversions and copies: ``astype``/``to``, ``.float()``, ``.double()``,
``.long()``, ``.half()``, ``.int()``, ``.bool()`` and friends, ``.type()``,
``.type_as()``; ``clone``, ``contiguous``; and new tensors like an existing one
(``.new_zeros()`` and friends).

A cast between floating dtypes is differentiable (the gradient is cast back);
a cast to an integer or boolean dtype leaves the graph, as in PyTorch.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, overload

import numpy as np

from .. import checks, registry
from ..autograd import Function
from .front import as_tensor, tensor_method, unary_front
from .shape import RoundTrip

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import ArrayLike, DTypeLike
    from tinygrad_book.tensor import Tensor


class Cast(RoundTrip):
    """z = a converted to ``dtype``; the gradient is converted back."""

    method, prop = "astype", "dtype"


@tensor_method
def astype(self: Tensor, dtype: DTypeLike) -> Tensor:
    """Convert to ``dtype`` (differentiable between float types)."""
    dtype = np.dtype(dtype)
    if dtype == self.data.dtype:
        return self
    return Cast.apply(self, dtype)


@tensor_method
def to(self: Tensor, dtype_or_device: Any) -> Tensor:
    """``t.to(np.float64)`` converts; ``t.to("cpu")`` is ``t`` (everything lives on the CPU)."""
    if isinstance(dtype_or_device, str) and dtype_or_device.split(":")[0] == "cpu":
        return self
    return astype(self, dtype_or_device)


def _caster(name, dtype):
    """The front of ``Tensor.<name>()``, PyTorch's method for a fixed dtype: ``astype(dtype)``."""
    dtype = np.dtype(dtype)
    note = {"f": "", "b": " (True where non-zero)"}.get(dtype.kind, " (truncated towards zero)")
    front = unary_front(lambda input: astype(input, dtype), f"The values as {dtype}{note}.")
    front.__name__ = front.__qualname__ = name
    return tensor_method(name)(front)


# PyTorch's dtype methods: ``t.float()`` is ``t.astype(np.float32)``, and so on.
_DTYPE_METHODS = {"float": np.float32, "double": np.float64, "half": np.float16,
                  "long": np.int64, "int": np.int32, "short": np.int16, "char": np.int8,
                  "byte": np.uint8, "bool": np.bool_}
float_, double, half, long, int_, short, char, byte, bool_ = (
    _caster(name, dtype) for name, dtype in _DTYPE_METHODS.items())


class Clone(Function):
    """z = a copied to new memory; dz/da = 1."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g

    array_backward = backward  # the same lines serve arrays and Tensors


@tensor_method
def clone(self: Tensor) -> Tensor:
    """A differentiable copy in new memory."""
    return Clone.apply(self)


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


@overload
def type_(input: Tensor, dtype: None = None) -> str: ...
@overload
def type_(input: Tensor, dtype: DTypeLike) -> Tensor: ...
@tensor_method("type")
def type_(input: Tensor, dtype: DTypeLike | None = None) -> str | Tensor:
    """Without ``dtype``: the type's name, as PyTorch's ('tinygrad_book.FloatTensor').
    With a dtype (or a name such as 'torch.DoubleTensor'): the values converted."""
    if dtype is None:
        return "tinygrad_book." + _TYPE_NAMES.get(input.dtype, f"{input.dtype}Tensor")
    return astype(input, _as_dtype(dtype, "type()"))


@tensor_method()
def type_as(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """The values converted to ``other``'s dtype."""
    return astype(input, as_tensor(other).dtype)


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
        if not checks.is_int(s) or s < 0:
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
def new_full(input: Tensor, size: Sequence[int], fill_value: float, dtype: DTypeLike | None = None,
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
