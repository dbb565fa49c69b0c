"""linear and flatten."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_close, assert_gradcheck


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


def test_linear_is_the_books_affine_layer():
    x, w, b = rand(4, 3), rand(2, 3, seed=1), rand(2, seed=2)
    y = F.linear(Tensor(x), Tensor(w), Tensor(b))
    assert_close(y, x @ w.T + b, rtol=1e-12)      # X·W + B with the book's W = our wᵀ
    assert y.grad_fn is None


@pytest.mark.parametrize("x_shape", [(3,), (4, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradgradcheck(x_shape, bias):
    if bias:
        assert_gradcheck(F.linear, x_shape, (2, 3), (2,), second_order=True)
    else:
        assert_gradcheck(F.linear, x_shape, (2, 3), second_order=True)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3)])
def test_linear_matches_torch(x_shape, torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(F.linear, torch.nn.functional.linear,
                 [rand(*x_shape), rand(2, 3, seed=1), rand(2, seed=2)])


def test_linear_keeps_float32():
    x = Tensor(rand(4, 3, dtype=np.float32), requires_grad=True)
    w = Tensor(rand(2, 3, dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros(2, np.float32), requires_grad=True)
    y = F.linear(x, w, b)
    y.sum().backward()
    assert {y.dtype, x.grad.dtype, w.grad.dtype, b.grad.dtype} == {np.dtype(np.float32)}


def test_linear_errors():
    with pytest.raises(ValueError, match=r"input of shape \(4, 5\) does not match weight of shape "
                                         r"\(2, 3\).*in_features = 3"):
        F.linear(Tensor(rand(4, 5)), Tensor(rand(2, 3)))


def test_flatten_like_torch():
    x = Tensor(rand(2, 3, 4, 5))
    assert F.flatten(x).shape == (120,)
    assert F.flatten(x, 1).shape == (2, 60)
    assert F.flatten(x, 1, 2).shape == (2, 12, 5)
    with pytest.raises(ValueError, match=r"start_dim=4 is out of range for a tensor of shape"):
        F.flatten(x, 4)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3,), (2, 0, 4)])
@pytest.mark.parametrize("dims", [(0, -1), (1, 2), (-2, -1), (2, 2), (1, -1), (-1, 0)])
def test_flatten_matches_tensor_flatten(shape, dims):
    """F.flatten's direct reshape gives Tensor.flatten's shape and values, and refuses what it
    refuses (F.flatten with its own range message)."""
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    try:
        expected = Tensor(a).flatten(*dims)
    except (ValueError, IndexError):
        with pytest.raises((ValueError, IndexError)):
            F.flatten(Tensor(a), *dims)
        return
    out = F.flatten(Tensor(a), *dims)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected.data)


def test_flatten_of_a_0d_tensor_is_1d():
    assert F.flatten(Tensor(np.float32(3))).shape == (1,)
