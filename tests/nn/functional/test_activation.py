"""The nn.functional fronts of the activations and softmax/log_softmax (their Functions are
tested in tests/tinygrad_book/ops/test_activation.py), and dropout."""

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_close, assert_gradcheck


def rand(*shape, seed=0, scale=1.0, dtype=np.float64):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


ACTIVATIONS = {
    "relu": (F.relu, lambda torch: torch.relu),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2),
                   lambda torch: lambda x: torch.nn.functional.leaky_relu(x, 0.2)),
    "sigmoid": (F.sigmoid, lambda torch: torch.sigmoid),
    "tanh": (F.tanh, lambda torch: torch.tanh),
    "gelu": (F.gelu, lambda torch: torch.nn.functional.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda torch: lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
    "softmax": (lambda x: F.softmax(x, dim=1),
                lambda torch: lambda x: torch.softmax(x, dim=1)),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0),
                    lambda torch: lambda x: torch.log_softmax(x, dim=0)),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradgradcheck(name):
    fn, _ = ACTIVATIONS[name]
    # Shift away from 0 so the kinks of relu/leaky_relu are not straddled by differences.
    x = Tensor(rand(3, 4, seed=1) + 0.05, requires_grad=True)
    assert_gradcheck(fn, x, second_order=True)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_torch(name, torch_parity):
    torch = pytest.importorskip("torch")
    fn, torch_fn = ACTIVATIONS[name]
    torch_parity(fn, torch_fn(torch), [rand(4, 5, scale=3.0)])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_keeps_float32(name):
    fn, _ = ACTIVATIONS[name]
    x = Tensor(rand(3, 4, dtype=np.float32), requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == np.float32


def test_leaky_relu_values():
    y = F.leaky_relu(Tensor([-2.0, 0.0, 3.0]))
    assert_close(y, np.array([-0.02, 0.0, 3.0], dtype=np.float32))


def test_softmax_is_stable_for_huge_logits():
    y = F.softmax(Tensor([[1000.0, 1000.0, -1000.0]]), dim=-1)
    assert_close(y, np.array([[0.5, 0.5, 0.0]], dtype=np.float32))
    ly = F.log_softmax(Tensor([[1e4, 0.0]]), dim=1)
    assert_close(ly, np.array([[0.0, -1e4]], dtype=np.float32))


def test_softmax_implicit_dim_warns_like_torch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(Tensor(rand(2, 3)))
    assert_close(y.data.sum(axis=1), np.ones(2))


def test_softmax_rejects_bad_dim():
    with pytest.raises(ValueError, match=r"dim must be an int in \[-2, 1\] for input of shape "
                                         r"\(2, 3\), got 2"):
        F.softmax(Tensor(rand(2, 3)), dim=2)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match=r"approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(Tensor([1.0]), approximate="fast")


def test_gelu_is_exact_deep_in_the_tails(torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(F.gelu, torch.nn.functional.gelu, [np.linspace(-38, 38, 761)], rtol=1e-12)


# -- dropout -------------------------------------------------------------------------------

def test_dropout_is_inverted_and_reproducible_from_manual_seed():
    x = Tensor(np.ones((200, 50), np.float32), requires_grad=True)
    tb.manual_seed(3)
    y = F.dropout(x, p=0.25)
    tb.manual_seed(3)
    again = F.dropout(x, p=0.25)
    np.testing.assert_array_equal(y.data, again.data)
    assert y.dtype == np.float32
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)   # same mask, same scale


def test_dropout_eval_and_edge_probabilities():
    x = Tensor(rand(3, 4))
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)


def test_dropout_gradgradcheck():
    x = Tensor(rand(3, 4), requires_grad=True)

    def fn(t):
        tb.manual_seed(0)   # the same mask on every evaluation of the difference quotient
        return F.dropout(t, 0.4) ** 2

    assert_gradcheck(fn, x, second_order=True)


@pytest.mark.parametrize("p", [-0.1, 1.5, True])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got"):
        F.dropout(Tensor([1.0]), p)
