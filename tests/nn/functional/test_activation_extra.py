"""The activations beyond the book's: PyTorch parity (forward and gradient) and gradchecks."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck

# (our call, torch.nn.functional's call) on the same input; inputs avoid the kinks.
CASES = {
    "elu": (lambda x: F.elu(x, 0.7), lambda t, x: t.elu(x, 0.7)),
    "selu": (F.selu, lambda t, x: t.selu(x)),
    "celu": (lambda x: F.celu(x, 1.5), lambda t, x: t.celu(x, 1.5)),
    "silu": (F.silu, lambda t, x: t.silu(x)),
    "mish": (F.mish, lambda t, x: t.mish(x)),
    "softplus": (lambda x: F.softplus(x, 2.0, 3.0), lambda t, x: t.softplus(x, 2.0, 3.0)),
    "softsign": (F.softsign, lambda t, x: t.softsign(x)),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 1.5), lambda t, x: t.hardtanh(x, -0.5, 1.5)),
    "relu6": (F.relu6, lambda t, x: t.relu6(x)),
    "hardswish": (F.hardswish, lambda t, x: t.hardswish(x)),
    "hardsigmoid": (F.hardsigmoid, lambda t, x: t.hardsigmoid(x)),
    "glu": (lambda x: F.glu(x, 1), lambda t, x: t.glu(x, 1)),
    "softmin": (lambda x: F.softmin(x, 1), lambda t, x: t.softmin(x, 1)),
    "tanhshrink": (F.tanhshrink, lambda t, x: t.tanhshrink(x)),
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), lambda t, x: t.threshold(x, 0.3, -2.0)),
}


def _input(seed=0):
    # Spread over the interesting ranges (past ±3 and ±6) but away from every kink.
    x = np.random.default_rng(seed).uniform(-8, 8, size=(3, 4, 5))
    for kink in (-3, -0.5, 0, 0.3, 1.5, 3, 6):
        x[np.abs(x - kink) < 0.05] += 0.1
    return x


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(torch_parity, name):
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name]
    torch_parity(ours, lambda x: theirs(torch.nn.functional, x), [_input()])


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    x = Tensor(_input(1) / 4, requires_grad=True)   # within ±2: every branch but the far tails
    assert_gradcheck(CASES[name][0], x)


@pytest.mark.parametrize("channels", [1, 4])
def test_prelu_matches_torch(torch_parity, channels):
    torch = pytest.importorskip("torch")
    w = np.linspace(0.1, 0.4, channels)
    torch_parity(F.prelu, torch.nn.functional.prelu, [_input(), w])


def test_softplus_is_finite_far_out_and_second_order():
    y = F.softplus(Tensor(np.array([-1000.0, 0.0, 1000.0])))
    np.testing.assert_allclose(y.data, [0.0, np.log(2), 1000.0])
    assert_gradcheck(lambda x: F.softplus(x, 1.5), (5,), second_order=True)
    assert_gradcheck(F.elu, (5,), second_order=True)


def test_bad_arguments():
    with pytest.raises(ValueError, match="halving"):
        F.glu(Tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="channels"):
        F.prelu(Tensor(np.zeros((2, 3))), Tensor(np.zeros(2)))
    with pytest.raises(TypeError, match="floating point"):
        F.silu(Tensor(np.zeros(3, dtype=np.int64)))


def test_prelu_gradcheck_input_and_weight():
    assert_gradcheck(F.prelu, Tensor(_input(2) / 4, requires_grad=True), (4,))
