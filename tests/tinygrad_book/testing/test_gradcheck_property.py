"""gradcheck_property: specs, the decorator form, kinks, seeds and the failure report."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import tinygrad_book as tb
from tinygrad_book.testing import gradcheck_property
from tinygrad_book.testing.properties import keep_away
from tinygrad_book.testing.strategies import axes, broadcastable_shapes, shapes, tensors


class FirstOrderOnlyCube(tb.Function):
    """x³ whose backward treats x as a constant: right first, wrong second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x.copy())  # a copy comes back as a constant
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def test_a_correct_op_passes_with_fixed_shapes_strategies_and_tensors():
    gradcheck_property(lambda a, b: (a * b).tanh(), (2, 3), (3,), max_examples=5, seed=1)
    gradcheck_property(lambda a, b: a * b, broadcastable_shapes(2, max_side=3), max_examples=5)
    gradcheck_property(lambda x, axis: x.sum(axis=axis), (2, 3), axes(2), max_examples=5)
    gradcheck_property(lambda x: x.exp(), tb.tensor([0.5, 1.5], dtype=np.float64,
                                                    requires_grad=True), max_examples=2)
    gradcheck_property(lambda x, y: x @ y, st.just((tb.ones(2, 3, dtype=np.float64,
                                                            requires_grad=True),
                                                    tb.ones(3, dtype=np.float64,
                                                            requires_grad=True))),
                       max_examples=1)


def test_the_report_shows_values_the_gradcheck_report_and_the_seed(wrong_square):
    with pytest.raises(AssertionError) as info:
        gradcheck_property(wrong_square.apply, shapes(max_side=3), max_examples=20, seed=7)
    message = str(info.value)
    assert message == (
        "gradcheck_property: WrongSquare.apply fails the first-order gradient check; the "
        "smallest failing example Hypothesis found:\n"
        "  argument 0: float64 tensor of shape () = 1.0\n"
        "gradcheck failed for input 0 (shape ()) at element (), output 0 element 0: analytic 3 "
        "vs numeric 2 (difference 1 > tolerance 0.00201 = atol 1e-05 + rtol 0.001 * |numeric|); "
        "1 of 1 Jacobian entries disagree\n"
        "To reproduce: pass seed=7 (with max_examples=20)")
    assert info.value.__cause__ is None


def test_the_seed_in_the_message_reproduces_the_failure(wrong_square):
    def run(seed):
        with pytest.raises(AssertionError) as info:
            gradcheck_property(wrong_square.apply, shapes(max_side=3), max_examples=5, seed=seed)
        return str(info.value)

    first = run(None)
    seed = int(re.search(r"pass seed=(\d+)", first).group(1))
    assert run(seed) == first


def test_second_order_finds_a_wrong_second_derivative():
    gradcheck_property(FirstOrderOnlyCube.apply, (2,), max_examples=3, seed=0)
    with pytest.raises(AssertionError, match=r"fails the second-order gradient check(?s:.*)"
                                             r"\(gradgradcheck's inputs are these arguments "
                                             r"followed by one grad_output v per output\)\n"
                                             r"gradcheck failed for input 0"):
        gradcheck_property(FirstOrderOnlyCube.apply, (2,), second_order=True, max_examples=3,
                           seed=0)


def test_tolerances_are_passed_to_gradcheck(wrong_square):
    loose = {"atol": 2.0, "rtol": 0.0}
    gradcheck_property(wrong_square.apply, tb.tensor([1.0], dtype=np.float64,
                                                    requires_grad=True), max_examples=1, **loose)
    with pytest.raises(AssertionError, match=r"tolerance 0\.5 = atol 0\.5 \+ rtol 0\.0"):
        gradcheck_property(wrong_square.apply, (1,), max_examples=1, atol=0.5, rtol=0.0)


# -- kinks ----------------------------------------------------------------------------------------

def _at(*values):
    return tb.tensor(list(values), dtype=np.float64, requires_grad=True)


def test_values_at_a_kink_or_a_tie_are_moved_away_by_default():
    gradcheck_property(lambda x: x.relu(), _at(0.0, 1.0), max_examples=1)
    gradcheck_property(lambda x: x.abs(), _at(0.0, -1e-7), max_examples=1)
    gradcheck_property(lambda x: x.max(), _at(0.5, 0.5, 0.5), max_examples=1)
    gradcheck_property(tb.maximum, _at(0.3, 0.7), _at(0.3, 0.7), max_examples=1)
    with pytest.raises(AssertionError, match=r"argument 0: float64 tensor of shape \(2,\) = "
                                             r"\[0\.0, 1\.0\]"):
        gradcheck_property(lambda x: x.relu(), _at(0.0, 1.0), max_examples=1, avoid_kinks=False)


def test_a_user_lists_the_kinks_of_their_own_op():
    def hinge(x):  # bends at 1, not at 0
        return (x - 1.0).relu()

    with pytest.raises(AssertionError, match=r"shape \(1,\) = \[1\.0\]"):
        gradcheck_property(hinge, _at(1.0), max_examples=1)
    gradcheck_property(hinge, _at(1.0), max_examples=1, kinks=(1.0,))


def test_keep_away_moves_values_up_to_at_least_the_gap_from_kinks_and_each_other():
    a = tb.tensor([0.0, 0.0, 0.5, -3e-6], dtype=np.float64)
    b = tb.tensor([[0.5], [2.0]], dtype=np.float32)
    keep_away([a, b], kinks=[0.0, 0.5], gap=1e-5)
    values = np.sort(np.concatenate([a.data.ravel(), b.data.ravel()]).astype(np.float64))
    assert np.all(np.diff(values) >= 1e-5 * (1 - 1e-6))
    assert np.all(np.abs(values[:, None] - np.array([0.0, 0.5])) >= 1e-5 * (1 - 1e-6))
    np.testing.assert_allclose(a.data, [2e-05, 3e-05, 0.50001, 1e-05], rtol=1e-12)
    assert b.dtype == np.float32 and b.data[0, 0] == np.float32(0.50002)
    assert b.data[1, 0] == 2.0  # far from everything: unchanged


# -- the decorator form ---------------------------------------------------------------------------

@gradcheck_property(max_examples=5, seed=0)
def test_the_decorator_builds_inputs_from_its_own_draws(draw):
    x = draw(tensors(shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = draw(axes(x.ndim))
    return (lambda t: t.logsumexp(axis=axis)), x


@pytest.mark.parametrize("keepdims", [False, True])
@gradcheck_property(max_examples=3, seed=0)
def test_the_decorated_test_keeps_its_other_arguments_as_fixtures(draw, keepdims):
    x = draw(tensors((2, 3)))
    return (lambda t: t.mean(axis=-1, keepdims=keepdims)), [x]


def test_the_bare_decorator_and_its_failure_report(wrong_square):
    @gradcheck_property
    def check(draw):
        flag = draw(st.booleans())
        return (wrong_square.apply if flag else (lambda t: t * t)), (draw(tensors((1,))),)

    with pytest.raises(AssertionError) as info:
        check()
    message = str(info.value)
    assert message.startswith("gradcheck_property: test_the_bare_decorator_and_its_failure_"
                              "report.<locals>.check fails the first-order gradient check")
    assert "\n  argument 0: float64 tensor of shape (1,) = [1.0]\n  draw 1 (not an argument): " \
           "True\n" in message


# -- bad arguments --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, text", [
    ({"max_examples": 0}, ValueError, "max_examples must be positive, got 0"),
    ({"seed": -1}, ValueError, "seed must be None or an int >= 0, got -1"),
    ({"kinks": "x"}, TypeError, "kinks must be a sequence of numbers, got 'x'"),
    ({"atol": -1.0}, ValueError, "atol must be >= 0, got -1.0"),
])
def test_bad_settings_are_refused_by_name(kwargs, error, text):
    with pytest.raises(error, match=re.escape(f"gradcheck_property: {text}")):
        gradcheck_property(lambda x: x, (2,), **kwargs)


def test_bad_specs_and_builders_are_refused():
    with pytest.raises(TypeError, match=r"gradcheck_property: spec 1 must be a shape tuple, a "
                                        r"Tensor or a Hypothesis strategy, got 'axis'"):
        gradcheck_property(lambda x, a: x, (2,), "axis")
    with pytest.raises(TypeError, match="fn must be callable, got int"):
        gradcheck_property(3, (2,))
    with pytest.raises(TypeError, match="must take `draw` as its first argument"):
        gradcheck_property(lambda: None)
    with pytest.raises(TypeError, match=r"must return \(fn, inputs\), got 3"):
        gradcheck_property(lambda draw: 3)()


def test_an_exception_inside_fn_is_a_shrunk_failure_with_its_traceback():
    def picky(x):
        if x.ndim >= 2:
            raise RuntimeError("no matrices")
        return x * 2

    with pytest.raises(AssertionError) as info:
        gradcheck_property(picky, shapes(max_dims=3, max_side=3), max_examples=30, seed=0)
    message = str(info.value)
    assert "argument 0: float64 tensor of shape (1, 1) = [[1.0]]\nRuntimeError: no matrices" \
        in message
    assert isinstance(info.value.__cause__, RuntimeError)


def test_a_fixed_float32_tensor_is_checked_in_float64():
    seen = []

    def fn(x):
        seen.append(x.dtype)
        return x.exp()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gradcheck warns about float32 inputs
        gradcheck_property(fn, tb.tensor([0.5, 1.5], requires_grad=True), max_examples=1)
    assert set(seen) == {np.dtype(np.float64)}
