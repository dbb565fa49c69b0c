"""ceil_mode and count_include_pad for every pooling, the 1-D poolings and adaptive max
pooling: parity with PyTorch (values, indices, gradients) and gradchecks."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


POOL2D = [dict(kernel_size=3, stride=2, ceil_mode=True),
          dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
          dict(kernel_size=3, stride=2, padding=1, ceil_mode=False)]


@pytest.mark.parametrize("kw", POOL2D)
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool2d_ceil_mode_and_count_include_pad(torch_parity, kw, include_pad):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.avg_pool2d(x, count_include_pad=include_pad, **kw),
                 lambda x: torch.nn.functional.avg_pool2d(x, count_include_pad=include_pad, **kw),
                 [rand(2, 2, 6, 7)])


@pytest.mark.parametrize("kw", POOL2D + [dict(kernel_size=2, stride=3, dilation=2,
                                              ceil_mode=True)])
def test_max_pool2d_ceil_mode(torch_parity, kw):
    torch = pytest.importorskip("torch")
    out = torch_parity(lambda x: F.max_pool2d(x, **kw),
                       lambda x: torch.nn.functional.max_pool2d(x, **kw), [rand(2, 2, 6, 7)])
    _, idx = F.max_pool2d(Tensor(rand(2, 2, 6, 7)), return_indices=True, **kw)
    _, tidx = torch.nn.functional.max_pool2d(torch.tensor(rand(2, 2, 6, 7)),
                                             return_indices=True, **kw)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    assert out.shape == tuple(tidx.shape)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, stride=2, dilation=2, ceil_mode=True),
                                dict(kernel_size=3, stride=2, ceil_mode=True)])
def test_max_pool1d(torch_parity, kw):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.max_pool1d(x, **kw),
                 lambda x: torch.nn.functional.max_pool1d(x, **kw), [rand(2, 3, 10)])
    ours = F.max_pool1d(Tensor(rand(3, 10)), return_indices=True, **kw)[1]
    theirs = torch.nn.functional.max_pool1d(torch.tensor(rand(3, 10)), return_indices=True,
                                            **kw)[1]
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=4, stride=3, padding=2,
                                                          ceil_mode=True,
                                                          count_include_pad=False),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_avg_pool1d(torch_parity, kw):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.avg_pool1d(x, **kw),
                 lambda x: torch.nn.functional.avg_pool1d(x, **kw), [rand(2, 3, 10)])


@pytest.mark.parametrize("size", [1, 3, 4])
def test_adaptive_avg_pool1d(torch_parity, size):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.adaptive_avg_pool1d(x, size),
                 lambda x: torch.nn.functional.adaptive_avg_pool1d(x, size), [rand(2, 3, 10)])


@pytest.mark.parametrize("size", [(3, 2), 4, (2, None)])
def test_adaptive_max_pool2d(torch_parity, size):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.adaptive_max_pool2d(x, size),
                 lambda x: torch.nn.functional.adaptive_max_pool2d(x, size), [rand(2, 2, 7, 8)])
    ours = F.adaptive_max_pool2d(Tensor(rand(2, 2, 7, 8)), size, return_indices=True)[1]
    theirs = torch.nn.functional.adaptive_max_pool2d(torch.tensor(rand(2, 2, 7, 8)), size,
                                                     return_indices=True)[1]
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_gradchecks():
    assert_gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                     (1, 2, 6, 7), second_order=True)
    assert_gradcheck(lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True), (1, 2, 6, 7),
                     second_order=True)
    assert_gradcheck(lambda x: F.avg_pool1d(x, 3, 2, ceil_mode=True), (2, 2, 8))
    assert_gradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 2)), (1, 2, 5, 5))
