"""interpolate (nearest, linear, bilinear; size or scale_factor; align_corners) and channel
dropout: parity with PyTorch and gradchecks."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = [((1, 2, 5, 4), dict(size=(7, 9), mode="nearest")),
         ((1, 2, 5, 4), dict(scale_factor=2, mode="nearest")),
         ((1, 2, 6, 6), dict(size=(4, 3), mode="nearest")),
         ((1, 2, 5, 4), dict(scale_factor=1.5, mode="nearest-exact")),
         ((1, 2, 5, 4), dict(size=(8, 7), mode="bilinear", align_corners=False)),
         ((1, 2, 5, 4), dict(size=(8, 7), mode="bilinear", align_corners=True)),
         ((1, 2, 5, 4), dict(scale_factor=(2.5, 1.5), mode="bilinear", align_corners=False)),
         ((1, 2, 6, 5), dict(size=(3, 2), mode="bilinear", align_corners=False)),
         ((2, 3, 5), dict(size=9, mode="linear", align_corners=True)),
         ((2, 3, 5), dict(scale_factor=3, mode="linear")),
         ((2, 3, 5), dict(size=8, mode="nearest")),
         ((1, 2, 7, 5), dict(size=(3, 2), mode="area")),
         ((2, 3, 9), dict(scale_factor=0.5, mode="area"))]


@pytest.mark.parametrize("shape,kw", CASES)
def test_interpolate_matches_torch(torch_parity, shape, kw):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.interpolate(x, **kw),
                 lambda x: torch.nn.functional.interpolate(x, **kw), [rand(*shape)])


def test_interpolate_gradcheck_and_errors():
    assert_gradcheck(lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), (1, 1, 3, 4),
                     second_order=True)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(Tensor(rand(1, 1, 3, 3)))
    with pytest.raises(ValueError, match="bilinear"):
        F.interpolate(Tensor(rand(1, 3, 3)), size=4, mode="bilinear")


@pytest.mark.parametrize("fn,shape", [(F.dropout2d, (4, 6, 3, 3)), (F.dropout1d, (4, 6, 5)),
                                      (F.dropout2d, (6, 3, 3))])
def test_channel_dropout_zeroes_whole_channels(fn, shape):
    tb.manual_seed(0)
    x = Tensor(np.ones(shape), requires_grad=True)
    y = fn(x, 0.5)
    lead = 2 if len(shape) in (4, 3) and fn is F.dropout1d or len(shape) == 4 else 1
    per_channel = y.data.reshape(shape[:lead] + (-1,))
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)
    assert fn(x, 0.5, training=False) is x
