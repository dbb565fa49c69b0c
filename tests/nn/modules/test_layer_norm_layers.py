"""LayerNorm, GroupNorm, InstanceNorm1d/2d against torch.nn, state dicts loaded one-to-one."""
import numpy as np
import pytest

from tinygrad_book import nn


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _randomise(m, torch):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p))
    return m


@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}, {"bias": False}])
def test_layer_norm(layer_parity, torch, kwargs):
    ours = nn.LayerNorm((3, 4), eps=1e-4, dtype=np.float64, **kwargs)
    theirs = _randomise(torch.nn.LayerNorm((3, 4), eps=1e-4, dtype=torch.float64, **kwargs),
                        torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    layer_parity(ours, theirs, [rand(2, 3, 4)])


def test_group_norm(layer_parity, torch):
    ours = nn.GroupNorm(2, 4, dtype=np.float64)
    theirs = _randomise(torch.nn.GroupNorm(2, 4, dtype=torch.float64), torch)
    layer_parity(ours, theirs, [rand(3, 4, 2, 3)])


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (2, 3, 5)),
                                       ("InstanceNorm2d", (2, 3, 3, 4)),
                                       ("InstanceNorm1d", (3, 5))])
@pytest.mark.parametrize("affine,track", [(False, False), (True, True)])
def test_instance_norm(layer_parity, torch, cls, shape, affine, track):
    ours = getattr(nn, cls)(3, affine=affine, track_running_stats=track, dtype=np.float64)
    theirs = getattr(torch.nn, cls)(3, affine=affine, track_running_stats=track,
                                    dtype=torch.float64)
    _randomise(theirs, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    layer_parity(ours, theirs, [rand(*shape) * 2 + 1])
    if track:
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-12)
        layer_parity(ours, theirs, [rand(*shape, seed=1)], train=False)
