"""gradcheck, gradgradcheck, numerical_grad and the helpers in tinygrad_book.testing."""
import re

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.gradcheck import GradcheckError
from tinygrad_book.testing import assert_close, assert_gradcheck, make_inputs


def test_gradcheck_passes_a_correct_op():
    x = tb.tensor([0.5, -1.0, 2.0], dtype=np.float64, requires_grad=True)
    assert tb.gradcheck(lambda a: (a * a).sum(), (x,)) is True
    assert tb.gradgradcheck(lambda a: (a * a * a).sum(), (x,)) is True
    assert x.grad is None  # the check does not accumulate into .grad


def test_gradcheck_failure_names_input_element_values_and_tolerance(wrong_square):
    x = tb.tensor([0.5, -1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = tb.tensor([1.0], dtype=np.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        tb.gradcheck(lambda a, b: wrong_square.apply(a) * b, (x, y))
    message = str(info.value)
    assert message.startswith("gradcheck failed for input 0 (shape (3,)) at element (0,), "
                              "output 0 element 0: analytic 1.5 vs numeric 1 ")
    assert re.search(r"\(difference 0\.5 > tolerance 0\.00101 = atol 1e-05 \+ rtol 0\.001 "
                     r"\* \|numeric\|\); 3 of 9 Jacobian entries disagree", message), message
    assert isinstance(info.value, RuntimeError)


def test_gradcheck_failure_locates_a_later_input_and_element(wrong_square):
    x = tb.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    w = tb.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"gradcheck failed for input 1 \(shape \(2, 2\)\) "
                                             r"at element \(0, 0\), output 0 element 0: "
                                             r"analytic 3 vs numeric 2"):
        tb.gradcheck(lambda a, b: a + wrong_square.apply(b).sum(), (x, w))


def test_gradcheck_without_raising_returns_false(wrong_square):
    x = tb.tensor([1.0], dtype=np.float64, requires_grad=True)
    assert tb.gradcheck(wrong_square.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class FirstOrderOnly(tb.Function):
        """x³ whose backward treats x as a constant (so its second derivative is wrong)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.copy())  # a copy: comes back as a constant
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x

    x = tb.tensor([0.5, 1.5], dtype=np.float64, requires_grad=True)
    assert tb.gradcheck(FirstOrderOnly.apply, (x,))
    with pytest.raises(GradcheckError, match=r"gradcheck failed for input 0 \(shape \(2,\)\)"):
        tb.gradgradcheck(FirstOrderOnly.apply, (x,))


def test_gradcheck_warns_for_float32_inputs():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"gradcheck: input 0 is float32, not float64; central "
                                         r"differences in lower precision may fail spuriously"):
        tb.gradcheck(lambda a: a * 2, (x,), eps=1e-2, atol=1e-2)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="gradcheck: no input has requires_grad=True"):
        tb.gradcheck(lambda a: a * 2, (tb.ones(2, dtype=np.float64),))


def test_gradcheck_handles_non_contiguous_inputs():
    data = np.arange(6.0).reshape(2, 3).T  # a transposed view
    x = tb.Tensor(data, requires_grad=True)
    assert not x.data.flags.c_contiguous
    assert tb.gradcheck(lambda a: (a * a * tb.tensor([[1.0, 2.0]], dtype=np.float64)).sum(), (x,))
    np.testing.assert_array_equal(x.data, np.arange(6.0).reshape(2, 3).T)  # restored


def test_gradcheck_with_several_outputs_and_non_tensor_arguments():
    def fn(a, scale, b):
        return a * scale, (a * b).sum()

    a = tb.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    b = tb.tensor([3.0, 4.0], dtype=np.float64, requires_grad=True)
    assert tb.gradcheck(fn, (a, 2.5, b))


def test_numerical_grad_matches_the_formula():
    x = tb.tensor([0.3, 1.2], dtype=np.float64)
    (g,) = tb.numerical_grad(lambda a: (a ** 3).sum(), (x,))
    np.testing.assert_allclose(g, 3 * x.data ** 2, rtol=1e-8)
    (g,) = tb.numerical_grad(lambda a: a ** 2, (x,), grad_outputs=[np.array([1.0, -2.0])])
    np.testing.assert_allclose(g, [0.6, -4.8], rtol=1e-8)


# -- tinygrad_book.testing ---------------------------------------------------------------------

def test_make_inputs_builds_float64_leaves_from_shapes_and_passes_others_through():
    labels = tb.tensor([0, 2])
    a, b, c, d, e = make_inputs((2, 3), 4, tb.tensor([1.0, 2.0]), labels, "text", seed=3)
    assert a.shape == (2, 3) and a.dtype == np.float64 and a.requires_grad
    assert np.all((-1 <= a.data) & (a.data < 1))
    assert b.shape == (4,) and b.requires_grad
    assert c.dtype == np.float64 and c.tolist() == [1.0, 2.0] and not c.requires_grad
    assert d is labels and e == "text"
    (again, *_) = make_inputs((2, 3), seed=3)
    np.testing.assert_array_equal(again.data, a.data)
    (other,) = make_inputs((2, 3), seed=4)
    assert not np.array_equal(other.data, a.data)
    (ranged,) = make_inputs((100,), low=2.0, high=3.0)
    assert np.all((2 <= ranged.data) & (ranged.data < 3))
    (from_array,) = make_inputs(np.ones(2, dtype=np.float32))
    assert from_array.dtype == np.float64 and from_array.requires_grad


def test_assert_gradcheck_reports_the_failure_and_the_inputs(wrong_square):
    with pytest.raises(AssertionError, match=r"(?s)gradcheck failed for input 0 \(shape "
                                             r"\(2, 2\)\) at element \(0, 0\).*inputs: \(2, 2\) "
                                             r"\(seed 5\)"):
        assert_gradcheck(wrong_square.apply, (2, 2), seed=5)


def test_assert_gradcheck_returns_the_inputs_it_made():
    inputs = assert_gradcheck(lambda a, b: a @ b, (2, 3), (3,), second_order=True)
    assert [t.shape for t in inputs] == [(2, 3), (3,)]


def test_assert_close_passes_and_fails_readably():
    assert_close(tb.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]))
    with pytest.raises(AssertionError, match=r"values differ: max abs difference 0\.5 at index "
                                             r"\(1, 0\) \(actual 3\.5, expected 3\.0\); "
                                             r"rtol=1e-05, atol=1e-08"):
        assert_close(tb.tensor([[1.0, 2.0], [3.5, 4.0]], dtype=np.float64),
                     [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(AssertionError, match=r"weights: shape mismatch: \(2,\) vs expected \(3,\)"):
        assert_close(tb.ones(2), np.ones(3), msg="weights: ")
    assert_close(tb.tensor([np.nan]), [np.nan])  # NaNs in the same places are equal


def test_gradcheck_works_when_called_under_no_grad():
    x = tb.tensor([0.5, 1.5], dtype=np.float64, requires_grad=True)
    with tb.no_grad():
        assert tb.gradcheck(lambda a: (a * a).sum(), (x,))
        assert tb.gradgradcheck(lambda a: (a ** 3).sum(), (x,))


def test_gradcheck_of_an_output_independent_of_the_inputs():
    x = tb.tensor([0.5, 1.5], dtype=np.float64, requires_grad=True)
    assert tb.gradcheck(lambda a: (a * 2, tb.ones(3, dtype=np.float64)), (x,))
