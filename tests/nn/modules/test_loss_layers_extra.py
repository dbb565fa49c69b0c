"""L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss as layers, against torch.nn."""
import numpy as np
import pytest

from tinygrad_book import nn


@pytest.mark.parametrize("name,kw", [("L1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}),
                                     ("HuberLoss", {"delta": 2.0, "reduction": "sum"}),
                                     ("KLDivLoss", {"reduction": "batchmean"}),
                                     ("KLDivLoss", {"reduction": "none", "log_target": True})])
def test_loss_layer_matches_torch(layer_parity, torch, name, kw):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    if name == "KLDivLoss" and not kw.get("log_target"):
        x, y = np.log(rng.dirichlet(np.ones(4), 3)), rng.dirichlet(np.ones(4), 3)
    layer_parity(getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw), [x, y])
    assert not list(getattr(nn, name)(**kw).state_dict())
