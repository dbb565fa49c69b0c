"""Conv1d against torch.nn.Conv1d: state dict, attributes, outputs and every gradient."""
import numpy as np
import pytest

from tinygrad_book import nn


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "bias": False},
                                {"padding": "same", "dilation": 2, "groups": 2}])
def test_conv1d_layer(layer_parity, torch, kw):
    ours = nn.Conv1d(4, 6, 3, dtype=np.float64, **kw)
    theirs = torch.nn.Conv1d(4, 6, 3, dtype=torch.float64, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert (ours.kernel_size, ours.stride, ours.padding) == (theirs.kernel_size, theirs.stride,
                                                            theirs.padding)
    layer_parity(ours, theirs, [np.random.default_rng(0).standard_normal((2, 4, 10))])


def test_conv1d_default_init_bound():
    w = nn.Conv1d(8, 16, 5).weight.data
    assert np.abs(w).max() <= 1 / np.sqrt(8 * 5)
