"""conv1d: parity with PyTorch over stride, padding ('same'/'valid'), dilation and groups."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor, nn
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("kw,c,k", [({}, 2, 3), ({"stride": 2, "padding": 1}, 2, 3),
                                    ({"padding": "same", "dilation": 2}, 2, 4),
                                    ({"padding": "valid"}, 2, 2), ({"padding": "same"}, 2, 4),
                                    ({"groups": 2, "padding": 2}, 4, 3)])
@pytest.mark.filterwarnings("ignore:Using padding='same'")   # PyTorch's note on even kernels
def test_conv1d_matches_torch(torch_parity, kw, c, k):
    torch = pytest.importorskip("torch")
    groups = kw.get("groups", 1)
    torch_parity(lambda x, w, b: F.conv1d(x, w, b, **kw),
                 lambda x, w, b: torch.nn.functional.conv1d(x, w, b, **kw),
                 [rand(2, c, 9), rand(4, c // groups, k, seed=1), rand(4, seed=2)])


def test_conv1d_gradcheck_second_order():
    assert_gradcheck(lambda x, w: F.conv1d(x, w, stride=2, padding=1), (2, 2, 6), (3, 2, 3),
                     second_order=True)


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"\(N, C, L\)"):
        F.conv1d(rand(2, 3, 4, 5), rand(1, 3, 2))
    with pytest.raises(ValueError, match="channels"):
        F.conv1d(rand(2, 3, 5), rand(1, 2, 2))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(stride=(1, 2)), TypeError, r"stride must be an int or a 1-tuple of ints, got \(1, 2\)"),
    (dict(stride=True), TypeError, r"stride must be an int or a 1-tuple of ints, got True"),
    (dict(dilation=0), ValueError, r"dilation must be >= 1, got 0"),
    (dict(padding=(-1,)), ValueError, r"padding must be >= 0, got -1"),
])
def test_conv1d_and_Conv1d_check_single_ints_alike(kwargs, error, message):
    """F.conv1d and nn.Conv1d share one check of their 1-D arguments; each names itself."""
    x, w = Tensor(np.ones((1, 2, 5), np.float32)), Tensor(np.ones((3, 2, 2), np.float32))
    with pytest.raises(error, match=r"conv1d\(\): " + message):
        F.conv1d(x, w, **kwargs)
    with pytest.raises(error, match=r"Conv1d: " + message):
        nn.Conv1d(2, 3, 2, **kwargs)
