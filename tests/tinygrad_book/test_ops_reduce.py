"""gradcheck/gradgradcheck of the reductions over every kind of ``axis``/``keepdims``."""
import warnings

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.testing import assert_close, assert_gradcheck

AXES = [None, 0, 1, -1, (0, 2), (-1, 0), ()]
REDUCTIONS = ["sum", "mean", "max", "min", "var", "std", "logsumexp"]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name,axis", [
    (name, axis) for name in REDUCTIONS for axis in AXES
    # The variance over no axis has n - 1 = 0 degrees of freedom (tested below).
    if not (name in ("var", "std") and axis == ())], ids=str)
def test_reduction_gradcheck(name, axis, keepdims):
    x, = assert_gradcheck(lambda a: getattr(a, name)(axis=axis, keepdims=keepdims), (2, 3, 2),
                          second_order=name not in ("max", "min"), seed=7)
    np_name = {"logsumexp": None, "var": "var", "std": "std"}.get(name, name)
    ref_axis = tuple(range(3)) if axis is None else axis
    if np_name is None:
        m = x.data.max(axis=ref_axis, keepdims=True)
        expected = np.log(np.exp(x.data - m).sum(axis=ref_axis, keepdims=True)) + m
        if not keepdims:
            expected = expected.reshape(np.sum(x.data, axis=ref_axis).shape)
    elif name in ("var", "std"):
        expected = getattr(np, np_name)(x.data, axis=ref_axis, keepdims=keepdims, ddof=1)
    else:
        expected = getattr(np, np_name)(x.data, axis=ref_axis, keepdims=keepdims)
    assert_close(getattr(x, name)(axis=axis, keepdims=keepdims), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_second_order(name):
    # Piecewise linear: the second derivative is 0 away from ties.
    assert_gradcheck(lambda a: getattr(a, name)(axis=1) ** 2, (3, 4), second_order=True)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_dim_is_an_alias_of_axis(name):
    x = tb.randn(2, 3, dtype=np.float64)
    assert_close(getattr(x, name)(dim=1), getattr(x, name)(axis=1), rtol=0)
    assert_close(getattr(x, name)(dim=-1, keepdims=True), getattr(x, name)(1, True), rtol=0)


def test_reductions_of_a_0d_tensor():
    assert_gradcheck(lambda a: a.sum() * a.mean() + a.max() + a.logsumexp(), ())


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_split_the_gradient_among_ties(name):
    x = tb.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    getattr(x if name == "max" else -x, name)(axis=1).sum().backward()
    sign = 1.0 if name == "max" else -1.0
    assert_close(x.grad, sign * np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]))


def test_max_returns_values_and_argmax_indices():
    x = tb.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert x.max().item() == 7.0
    assert x.max(axis=1).tolist() == [5.0, 7.0]
    assert x.min(axis=0).tolist() == [1.0, 0.0, 2.0]
    assert x.argmax(axis=1).tolist() == [1, 0]
    assert x.argmin(dim=0).tolist() == [0, 1, 0]
    assert x.argmax().item() == 3
    assert x.argmax(axis=1).dtype == np.int64


def test_logsumexp_is_stable_for_large_inputs():
    x = tb.tensor([1000.0, 1000.0], dtype=np.float64, requires_grad=True)
    out = x.logsumexp()
    assert_close(out, 1000.0 + np.log(2.0))
    out.backward()
    assert_close(x.grad, [0.5, 0.5])


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    x = tb.tensor([-np.inf, -np.inf], dtype=np.float64)
    assert x.logsumexp().item() == -np.inf


@pytest.mark.parametrize("kwargs,ddof", [({}, 1), ({"correction": 0}, 0), ({"unbiased": False}, 0),
                                         ({"ddof": 0}, 0), ({"correction": 2}, 2)])
def test_var_std_corrections(kwargs, ddof):
    data = np.array([[1.0, 4.0, 2.0, 8.0], [0.5, 0.25, 3.0, 1.0]])
    x = tb.tensor(data)
    assert_close(x.var(axis=1, **kwargs), data.var(axis=1, ddof=ddof), rtol=1e-12)
    assert_close(x.std(axis=1, **kwargs), data.std(axis=1, ddof=ddof), rtol=1e-12)


def test_var_with_no_degrees_of_freedom_warns_and_gives_nan_or_inf():
    one = tb.tensor([3.0], requires_grad=True)
    with pytest.warns(RuntimeWarning, match=r"var\(\): degrees of freedom is <= 0.*n=1 "
                                            r"elements, correction=1"):
        v = one.var()
    assert np.isnan(v.item())
    two = tb.tensor([1.0, 2.0])
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        assert two.var(correction=2).item() == np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # correction < n: no warning at all
        assert two.var(correction=1).item() == 0.5


def test_mean_of_float32_stays_float32():
    x = tb.randn(4, 5, requires_grad=True)
    for name in REDUCTIONS:
        out = getattr(x, name)(axis=0)
        assert out.dtype == np.float32, name
        out.sum().backward()
        assert x.grad.dtype == np.float32, name


@pytest.mark.parametrize("axis,match", [
    (3, r"sum: axis 3 is out of range for a tensor of 3 dimensions \(expected -3 <= axis < 3\)"),
    (-4, r"axis -4 is out of range"),
    ((0, 0), r"sum: axis \(0, 0\) repeats an axis"),
    ((0, -3), r"repeats an axis"),
])
def test_bad_axis_is_refused(axis, match):
    x = tb.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=match):
        x.sum(axis=axis)


@pytest.mark.parametrize("axis", [1.0, "0", (0, 1.5), True])
def test_non_integer_axis_is_a_type_error(axis):
    with pytest.raises(TypeError, match=r"mean: axis must be an int or a tuple of ints"):
        tb.zeros(2, 3).mean(axis=axis)


def test_max_of_an_empty_tensor_is_refused():
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty tensor of shape \(0, 3\) "
                                         r"over dim 0"):
        tb.zeros(0, 3).max()
    with pytest.raises(IndexError, match=r"dim 1, which has size 0"):
        tb.zeros(3, 0).max(dim=1)
    assert tb.zeros(0, 3).max(dim=1).shape == (0,)  # as PyTorch
