"""embedding and one_hot: PyTorch parity, the scattered gradient, padding, gradchecks."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck

IDX = np.array([[1, 3, 3], [0, 1, 4]])


@pytest.mark.parametrize("padding_idx,freq", [(None, False), (3, False), (None, True)])
def test_embedding_matches_torch(torch_parity, padding_idx, freq):
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(0).standard_normal((5, 4))
    out = torch_parity(
        lambda w, i: F.embedding(i, w, padding_idx, scale_grad_by_freq=freq),
        lambda w, i: torch.nn.functional.embedding(i, w, padding_idx, scale_grad_by_freq=freq),
        [w, IDX])
    assert out.shape == (2, 3, 4)


def test_repeated_rows_add_up_and_padding_gets_none():
    w = Tensor(np.ones((5, 2)), requires_grad=True)
    F.embedding(Tensor(IDX), w, padding_idx=1).sum().backward()
    np.testing.assert_array_equal(w.grad.data[:, 0], [1, 0, 0, 2, 1])


def test_max_norm_renormalises_the_looked_up_rows_as_torch():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(0).standard_normal((5, 4)) * 3
    tw = torch.tensor(w.copy())
    F.embedding(Tensor(IDX), w, max_norm=1.0)
    torch.nn.functional.embedding(torch.tensor(IDX), tw, max_norm=1.0)
    np.testing.assert_allclose(w, tw.numpy(), rtol=1e-12)


def test_gradcheck_first_and_second_order():
    idx = Tensor(IDX)
    # (without padding_idx: its row deliberately gets no gradient though it changes the output)
    assert_gradcheck(lambda w: F.embedding(idx, w) ** 2, (5, 3), second_order=True)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    t = np.array([[0, 2], [1, 2]])
    for n in (-1, 5):
        ours = F.one_hot(Tensor(t), n)
        theirs = torch.nn.functional.one_hot(torch.tensor(t), n)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_bad_input():
    w = Tensor(np.zeros((3, 2)))
    with pytest.raises(IndexError, match="out of range"):
        F.embedding(Tensor(np.array([3])), w)
    with pytest.raises(TypeError, match="integer"):
        F.embedding(Tensor(np.array([1.0])), w)
    with pytest.raises(ValueError, match="num_classes"):
        F.one_hot(Tensor(np.array([3])), 2)
