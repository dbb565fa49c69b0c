"""Bad input into tensor() and the core ops: what is not numbers, integer tensors that would
require grad, negative sizes."""

import numpy as np
import pytest

import tinygrad_book as tb

pytestmark = pytest.mark.reliability


NAN = float("nan")


def _x(*shape, dtype=np.float32):
    return tb.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


# -- non-positive sizes, strides, kernels -------------------------------------------------

SIZE_CASES = [
    ("zeros negative size", lambda: tb.zeros(-1, 2), ValueError,
     r"zeros: sizes must be non-negative, got shape \(-1, 2\)"),
    ("split size 0", lambda: tb.split(tb.zeros(4), 0), ValueError,
     r"split: split_size must be positive, got 0"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in SIZE_CASES],
                         ids=[c[0] for c in SIZE_CASES])
def test_negative_sizes_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- dtypes: tensor() and operands -------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (np.array([1.0, None], dtype=object), r"unsupported dtype object \(from ndarray\)"),
    (["a", "b"], r"unsupported dtype <U1 \(from list\); expected a floating point, integer or "
                 r"boolean array"),
    ([1 + 2j], r"unsupported dtype complex128 \(from list\)"),
    (np.ones(2, dtype=np.complex64), r"unsupported dtype complex64 \(from ndarray\)"),
    (None, r"unsupported dtype object \(from NoneType\)"),
    ({"a": 1}, r"unsupported dtype object \(from dict\)"),
    ([[1.0, 2.0], [3.0]], r"could not convert list to an array of numbers"),
], ids=["object array", "strings", "complex list", "complex64 array", "None", "dict", "ragged"])
def test_tensor_refuses_what_is_not_numbers(data, message):
    with pytest.raises(TypeError, match=r"tensor\(data\): " + message):
        tb.tensor(data)


@pytest.mark.parametrize("operand, message", [
    ("a", r"unsupported dtype <U1"),
    (1j, r"complex numbers are not supported \(got 1j\)"),
    (np.array([1.0, None, 2.0], dtype=object), r"unsupported operand of dtype object; expected "
                                               r"numbers"),
    (np.array([1j, 2j, 3j]), r"unsupported operand of dtype complex128; expected numbers"),
    (np.array(["a", "b", "c"]), r"unsupported operand of dtype <U1; expected numbers"),
    (None, r"unsupported dtype object \(from NoneType\)"),
], ids=["string", "complex", "object array", "complex array", "string array", "None"])
def test_ops_refuse_operands_that_are_not_numbers(operand, message):
    x = tb.ones(3, requires_grad=True)
    for op in (lambda: x + operand, lambda: x * operand, lambda: operand - x):
        with pytest.raises(TypeError, match=message):
            op()
    assert x.grad is None
