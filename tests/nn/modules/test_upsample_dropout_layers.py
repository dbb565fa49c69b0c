"""Upsample, Dropout1d and Dropout2d as layers, against torch.nn."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import Tensor, nn


@pytest.mark.parametrize("kw,shape", [(dict(scale_factor=2), (1, 2, 3, 4)),
                                      (dict(size=(5, 7), mode="bilinear", align_corners=True),
                                       (1, 2, 3, 4)),
                                      (dict(scale_factor=1.5, mode="linear"), (2, 2, 6))])
def test_upsample_matches_torch(layer_parity, torch, kw, shape):
    layer_parity(nn.Upsample(**kw), torch.nn.Upsample(**kw),
                 [np.random.default_rng(0).standard_normal(shape)])


@pytest.mark.parametrize("cls,shape", [(nn.Dropout2d, (3, 8, 2, 2)), (nn.Dropout1d, (3, 8, 4))])
def test_channel_dropout_layers(cls, shape):
    tb.manual_seed(1)
    layer = cls(0.25)
    y = layer(Tensor(np.ones(shape))).data.reshape(shape[0], shape[1], -1)
    assert set(np.unique(y)) <= {0.0, 1 / 0.75}
    assert np.all(y.min(-1) == y.max(-1))     # whole channels kept or dropped
    layer.eval()
    np.testing.assert_array_equal(layer(Tensor(np.ones(shape))).data, 1.0)
    assert repr(layer) == f"{cls.__name__}(p=0.25, inplace=False)"
