"""The activation layers beyond the book's against torch.nn (PReLU's parameter included)."""
import numpy as np
import pytest

from tinygrad_book import nn

LAYERS = [("ELU", (0.5,)), ("SELU", ()), ("CELU", (2.0,)), ("SiLU", ()), ("Mish", ()),
          ("Softplus", (2.0, 4.0)), ("Softsign", ()), ("Hardtanh", (-2.0, 2.0)), ("ReLU6", ()),
          ("Hardswish", ()), ("Hardsigmoid", ()), ("GLU", (1,)), ("Softmin", (1,)),
          ("Tanhshrink", ()), ("Threshold", (0.1, 20.0)), ("PReLU", ()), ("PReLU", (3,))]


@pytest.mark.parametrize("name,args", LAYERS)
def test_layer_matches_torch(layer_parity, torch, name, args):
    ours = getattr(nn, name)(*args).double()
    theirs = getattr(torch.nn, name)(*args).double()
    if name == "PReLU":
        with torch.no_grad():
            theirs.weight.uniform_(0.1, 0.5)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(0).uniform(-7, 7, size=(2, 4 if name == "GLU" else 3, 5))
    layer_parity(ours, theirs, [x])


def test_prelu_defaults_and_repr():
    m = nn.PReLU(4)
    assert m.weight.shape == (4,) and np.all(m.weight.data == np.float32(0.25))
    assert "num_parameters=4" in repr(m)
