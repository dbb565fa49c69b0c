"""Operands: the 0-d arrays that numbers become, made once and shared read-only."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.ops.operands import one_of, scalar_array


def test_a_number_becomes_one_shared_read_only_array_per_value_and_dtype():
    a = scalar_array(0.5, np.dtype(np.float32))
    assert a is scalar_array(0.5, np.dtype(np.float32))
    assert a.shape == () and a.dtype == np.float32 and a == 0.5
    assert not a.flags.writeable
    assert scalar_array(0.5, np.dtype(np.float64)).dtype == np.float64
    assert scalar_array(1, np.dtype(np.float32)) is not scalar_array(1.0, np.dtype(np.float32))
    assert one_of(np.dtype(np.float16)).dtype == np.float16 and one_of(np.dtype(np.float16)) == 1


@pytest.mark.parametrize("value", [0.0, -0.0, math.nan])
def test_zeros_and_nan_are_made_anew_so_their_sign_and_nan_stay_exact(value):
    a = scalar_array(value, np.dtype(np.float32))
    assert a is not scalar_array(value, np.dtype(np.float32))
    assert math.copysign(1.0, float(a)) == math.copysign(1.0, value) or math.isnan(value)


def test_ops_with_numbers_give_new_writable_results_and_exact_signed_zeros():
    t = tb.tensor([-0.0, 1.0], requires_grad=True)
    for y in (t + 0.5, t * 2.0, t + 0.0, t + -0.0):
        assert y.data.flags.writeable
    assert np.signbit((t + -0.0).data[0]) and not np.signbit((t + 0.0).data[0])
    y = t * 3.0 + 0.5
    y.data[0] = 7.0  # the result is the caller's, not the shared operand
    assert (t + 0.5).tolist() == [0.5, 1.5]
    (t * 3.0 + 0.5).sum().backward()
    assert t.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize(
    "shape", [(100, 100), (3, 30, 24, 24), (3,), (), (2, 70000), (70000,), (0, 5)])
def test_zeros_for_maximum_give_relus_values_and_stay_small(shape):
    from tinygrad_book.ops.operands import _ZEROS_LIMIT, zeros_for

    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(np.float32)
    if a.size:
        a.flat[0] = np.nan
    z = zeros_for(a)
    assert (z.ndim == 0 or not z.flags.writeable) and z.size <= _ZEROS_LIMIT
    np.testing.assert_array_equal(np.maximum(a, z), np.maximum(a, np.float32(0)))
    assert np.broadcast_shapes(z.shape, a.shape) == a.shape
