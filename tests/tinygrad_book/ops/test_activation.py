"""The activation Functions of tinygrad_book/ops/activation.py, called through their core
fronts (the nn.functional fronts are tested in tests/nn/functional/test_activation*.py),
and the erf/erfc behind exact GELU and Tensor.erf (ops/_special.py)."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import Tensor
from tinygrad_book.ops import _special
from tinygrad_book.ops import activation as act
from tinygrad_book.testing import assert_gradcheck

CORE = {
    "relu": Tensor.relu, "sigmoid": Tensor.sigmoid, "tanh": Tensor.tanh,
    "logsigmoid": act.logsigmoid, "leaky_relu": lambda x: act.leaky_relu(x, 0.3),
    "gelu": act.gelu, "gelu_tanh": lambda x: act.gelu(x, "tanh"),
    "softplus": lambda x: act.softplus(x, 2.0, 3.0),
    "softmax": lambda x: act.softmax(x, -1), "log_softmax": lambda x: act.log_softmax(x, 0),
}


def _x(shape, seed=0):
    # Shifted off 0 so that central differences do not straddle relu's kink.
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 0.05


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("name", CORE)
def test_core_activation_gradgradcheck(name, shape):
    assert_gradcheck(CORE[name], Tensor(_x(shape), requires_grad=True), second_order=True)


@pytest.mark.parametrize("name", sorted(set(CORE) - {"relu"}))
def test_core_activation_takes_integers_as_float32(name):
    y = CORE[name](Tensor(np.arange(-3, 3).reshape(2, 3)))
    assert y.dtype == np.float32


def test_relu_keeps_integers_integers_as_pytorch():
    y = Tensor(np.arange(-3, 3)).relu()
    assert y.dtype == np.int64 and y.tolist() == [0, 0, 0, 0, 1, 2]


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_array_backward_fast_path_gives_the_tensor_backward_bit_for_bit(name):
    """The fast path (plain arrays, no graph) and the recorded backward (create_graph=True,
    Tensor ops) compute the same derivative."""
    x = Tensor(_x((4, 5), seed=3), requires_grad=True)
    assert getattr(act, {"relu": "ReLU"}.get(name, name.capitalize())).array_backward
    CORE[name](x).sum().backward()
    fast = x.grad.data.copy()
    x.grad = None
    CORE[name](x).sum().backward(create_graph=True)
    np.testing.assert_array_equal(fast, x.grad.data)


def test_softmax_rows_sum_to_one_and_a_0d_input_is_one_element():
    y = act.softmax(Tensor(_x((3, 4))), 1)
    np.testing.assert_allclose(y.data.sum(axis=1), 1.0)
    assert act.softmax(Tensor(2.0), 0).item() == 1.0
    assert act.log_softmax(Tensor(2.0), -1).item() == 0.0


def test_fronts_check_their_own_arguments():
    x = Tensor([1.0, -1.0])
    with pytest.raises(ValueError, match=r"leaky_relu\(\): negative_slope must be a finite "
                                         r"number, got nan"):
        act.leaky_relu(x, float("nan"))
    with pytest.raises(ValueError, match=r"softplus\(\): beta must not be 0"):
        act.softplus(x, beta=0)
    with pytest.raises(TypeError, match=r"softplus\(\): threshold must be a number, got str"):
        act.softplus(x, threshold="20")
    with pytest.raises(ValueError, match=r"gelu\(\): approximate must be 'none' or 'tanh'"):
        act.gelu(x, "erf")
    with pytest.raises(ValueError, match=r"log_softmax\(\): dim must be an int in \[-1, 0\] "
                                         r"for input of shape \(2,\), got 1"):
        act.log_softmax(x, 1)
    with pytest.raises(TypeError, match=r"softmax\(\): dtype must be a floating point type"):
        act.softmax(x, 0, dtype=np.int32)


def test_logsigmoid_is_finite_far_left():
    y = act.logsigmoid(Tensor(np.array([-1000.0, 0.0, 1000.0])))
    np.testing.assert_allclose(y.data, [-1000.0, -math.log(2), 0.0])


def test_erf_and_erfc_agree_with_math_to_rounding():
    x = np.concatenate([np.linspace(-27, 27, 5401), [0.0, 0.5, -0.5, 4.0, -4.0, 1e-300]])
    erf_ref = np.array([math.erf(v) for v in x])
    erfc_ref = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(_special.erf(x), erf_ref, rtol=2e-15, atol=1e-300)
    np.testing.assert_allclose(_special.erfc(x), erfc_ref, rtol=2e-15, atol=1e-300)
    # Tensor.erf is the same erf.
    np.testing.assert_array_equal(tb.erf(Tensor(x)).data, _special.erf(x))


def test_erf_edge_values_and_dtype():
    np.testing.assert_array_equal(_special.erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    np.testing.assert_array_equal(_special.erfc(np.array([np.inf, -np.inf])), [0.0, 2.0])
    assert np.isnan(_special.erf(np.array([np.nan]))[0])
    assert _special.erf(np.ones(3, np.float32)).dtype == np.float32


def test_relu_builds_its_mask_only_when_its_input_needs_a_gradient(monkeypatch):
    saves = []
    monkeypatch.setattr(act.ReLU, "forward", staticmethod(_counting(act.ReLU.forward, saves)))
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    with tb.no_grad():
        assert x.relu().tolist() == [0.0, 2.0]
    Tensor(np.array([-1.0, 2.0])).relu()           # a constant input: nothing to save either
    assert saves == [0, 0]
    y = x.relu()
    assert saves == [0, 0, 1]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def _counting(forward, saves):
    """``forward`` that records how many values it saved for backward."""
    def counted(ctx, a):
        out = forward(ctx, a)
        saves.append(len(ctx._saved))
        return out
    return counted


def test_relu_passes_nan_and_its_gradient_as_pytorch_does():
    # PyTorch: relu(nan) = nan, and its backward (threshold_backward on the output)
    # lets the gradient through there; at 0 and below the gradient is 0.
    x = tb.tensor([np.nan, -1.0, 0.0, -0.0, 2.0], requires_grad=True)
    y = x.relu()
    assert np.isnan(y.data[0]) and y.tolist()[1:] == [0.0, 0.0, 0.0, 2.0]
    y.backward(tb.ones(5))
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]
