"""MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool2d and ceil_mode pooling layers
against torch.nn."""
import numpy as np
import pytest

from tinygrad_book import nn

CASES = [("MaxPool1d", (3,), dict(stride=2, ceil_mode=True), (2, 3, 10)),
         ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 10)),
         ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
         ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
         ("MaxPool2d", (3,), dict(stride=2, ceil_mode=True), (2, 3, 8, 8)),
         ("AvgPool2d", (3,), dict(stride=2, ceil_mode=True, padding=1), (2, 3, 8, 8))]


@pytest.mark.parametrize("name,args,kw,shape", CASES)
def test_pooling_layer_matches_torch(layer_parity, torch, name, args, kw, shape):
    layer_parity(getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw),
                 [np.random.default_rng(0).standard_normal(shape)])
