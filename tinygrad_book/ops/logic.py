"""Logic and tests: comparisons as methods, logical and bitwise operators, isnan and
friends, isclose/allclose/equal.

None of these is differentiable (their results are booleans or integers), so
they compute on the arrays directly and return tensors outside the graph, as
PyTorch's do.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .front import as_tensor, constant, is_tensor, tensor_method, unary_front

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


def _data(x):
    return x.data if is_tensor(x) else x


def _compare(ufunc, input, other):
    return constant(ufunc(_data(as_tensor(input)), _data(other)))


def _comparison(ufunc, doc):
    def front(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
        return _compare(ufunc, input, other)
    front.__doc__ = doc
    return front


eq = tensor_method("eq")(_comparison(np.equal, "input == other, elementwise (bool)."))
ne = tensor_method("ne", "not_equal")(_comparison(np.not_equal, "input != other (bool)."))
lt = tensor_method("lt", "less")(_comparison(np.less, "input < other (bool)."))
le = tensor_method("le", "less_equal")(_comparison(np.less_equal, "input <= other (bool)."))
gt = tensor_method("gt", "greater")(_comparison(np.greater, "input > other (bool)."))
ge = tensor_method("ge", "greater_equal")(_comparison(np.greater_equal,
                                                      "input >= other (bool)."))
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

logical_and = tensor_method("logical_and")(_comparison(np.logical_and,
                                                       "Elementwise AND of truth values."))
logical_or = tensor_method("logical_or")(_comparison(np.logical_or,
                                                     "Elementwise OR of truth values."))
logical_xor = tensor_method("logical_xor")(_comparison(np.logical_xor,
                                                       "Elementwise XOR of truth values."))


@tensor_method()
def logical_not(input: Tensor) -> Tensor:
    """Elementwise NOT of truth values (non-zero is true)."""
    return constant(np.logical_not(as_tensor(input).data))


def _test(ufunc, doc):
    """The front of an elementwise test ``ufunc`` (isnan...): a bool Tensor outside the graph."""
    return unary_front(lambda input: constant(ufunc(input.data)), doc)


isnan = tensor_method("isnan")(_test(np.isnan, "True where x is NaN."))
isinf = tensor_method("isinf")(_test(np.isinf, "True where x is +inf or -inf."))
isposinf = tensor_method("isposinf")(_test(np.isposinf, "True where x is +inf."))
isneginf = tensor_method("isneginf")(_test(np.isneginf, "True where x is -inf."))
isfinite = tensor_method("isfinite")(_test(np.isfinite, "True where x is neither inf nor NaN."))
signbit = tensor_method("signbit")(_test(np.signbit, "True where the sign bit is set."))


@tensor_method()
def isclose(input: Tensor, other: Tensor | ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol·|other|, elementwise (bool)."""
    a, b = as_tensor(input).data, _data(other)
    return constant(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method()
def allclose(input: Tensor, other: Tensor | ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether ``isclose`` holds everywhere (a Python bool, as PyTorch's)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


@tensor_method()
def equal(input: Tensor, other: Tensor | ArrayLike) -> bool:
    """True if both have the same shape and the same values (a Python bool)."""
    a, b = as_tensor(input).data, as_tensor(other).data
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _bitwise(ufunc, name):
    def front(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
        a, b = as_tensor(input).data, _data(other)
        for x in (a, b):
            kind = np.asarray(x).dtype.kind
            if kind not in "iub":
                raise TypeError(f"{name}(): only integer and boolean tensors are supported, "
                                f"got dtype {np.asarray(x).dtype}")
        if not is_tensor(other) and isinstance(other, (int, np.integer)) and a.dtype.kind != "b":
            b = np.asarray(other, dtype=a.dtype)  # a number takes the tensor's dtype
        return constant(ufunc(a, b))
    front.__doc__ = f"Elementwise {name} of integer or boolean tensors."
    return front


bitwise_and = tensor_method("bitwise_and", "__and__")(_bitwise(np.bitwise_and, "bitwise_and"))
bitwise_or = tensor_method("bitwise_or", "__or__")(_bitwise(np.bitwise_or, "bitwise_or"))
bitwise_xor = tensor_method("bitwise_xor", "__xor__")(_bitwise(np.bitwise_xor, "bitwise_xor"))
bitwise_left_shift = tensor_method("bitwise_left_shift", "__lshift__")(
    _bitwise(np.left_shift, "bitwise_left_shift"))
bitwise_right_shift = tensor_method("bitwise_right_shift", "__rshift__")(
    _bitwise(np.right_shift, "bitwise_right_shift"))


@tensor_method("__rand__")
def _rand(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return bitwise_and(self, other)


@tensor_method("__ror__")
def _ror(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return bitwise_or(self, other)


@tensor_method("__rxor__")
def _rxor(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return bitwise_xor(self, other)


@tensor_method("bitwise_not", "__invert__")
def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise NOT: logical for bool tensors, two's complement for integers."""
    a = as_tensor(input).data
    if a.dtype.kind not in "iub":
        raise TypeError(f"bitwise_not(): only integer and boolean tensors are supported, "
                        f"got dtype {a.dtype}")
    return constant(np.invert(a))
