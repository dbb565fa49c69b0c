"""std of a constant slice, Pow's gradients at a = 0 and logsumexp over an empty axis (issue 12)."""
import warnings

import numpy as np
import pytest

import tinygrad_book as tb

pytestmark = pytest.mark.reliability
torch = pytest.importorskip("torch")

ROWS = [[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]


@pytest.mark.parametrize("keepdims", [False, True])
def test_std_of_a_constant_row_has_pytorchs_zero_gradient(keepdims):
    x = tb.tensor(ROWS, requires_grad=True)
    x.std(axis=1, keepdims=keepdims).sum().backward()
    xt = torch.tensor(ROWS, requires_grad=True)
    xt.std(dim=1, keepdim=keepdims).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    assert (x.grad.numpy()[0] == 0).all()


def test_standardising_rows_with_a_constant_one_keeps_gradients_finite():
    x = tb.tensor(ROWS, requires_grad=True)
    z = (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-5)
    (z * tb.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_std_at_a_constant_row_is_twice_differentiable_without_nan():
    x = tb.tensor(ROWS, dtype=np.float64, requires_grad=True)
    (g,) = tb.grad(x.std(axis=1).sum(), x, create_graph=True)
    (g * tb.tensor([[1.0, 2.0, 3.0]], dtype=np.float64)).sum().backward()
    assert np.isfinite(g.numpy()).all() and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("b", [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
def test_pow_gradients_at_zero_base_match_pytorch(b):
    a, e = tb.tensor([0.0], requires_grad=True), tb.tensor([b], requires_grad=True)
    at, et = torch.tensor([0.0], requires_grad=True), torch.tensor([b], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 ** -1 is inf, as intended
        (a ** e).sum().backward()
    (at ** et).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), at.grad.numpy())  # b·0^(b-1), 0 at b = 0
    np.testing.assert_array_equal(e.grad.numpy(), et.grad.numpy())  # -inf for b < 0, else 0


@pytest.mark.parametrize("shape", [(2, 0), (0, 3)])
def test_logsumexp_over_an_empty_axis_is_pytorchs(shape):
    x = tb.zeros(*shape, requires_grad=True)
    out = x.logsumexp(axis=1)
    ref = torch.logsumexp(torch.zeros(*shape), dim=1)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())  # -inf, the log of an empty sum
    out.sum().backward()
    assert x.grad.shape == shape
