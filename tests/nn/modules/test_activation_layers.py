"""The activation layers beyond the book's against torch.nn (PReLU's parameter included)."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.nn import functional as F

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


# The modules that are one function of nn.functional (declared by a class keyword, fn=...),
# with whether they take PyTorch's ignored ``inplace``.
ONE_FUNCTION = [("ReLU", F.relu, True), ("Sigmoid", F.sigmoid, False),
                ("LogSigmoid", F.logsigmoid, False), ("Tanh", F.tanh, False),
                ("SELU", F.selu, True), ("SiLU", F.silu, True), ("Mish", F.mish, True),
                ("ReLU6", F.relu6, True), ("Hardswish", F.hardswish, True),
                ("Hardsigmoid", F.hardsigmoid, True), ("Softsign", F.softsign, False),
                ("Tanhshrink", F.tanhshrink, False)]


@pytest.mark.parametrize("name,fn,inplace", ONE_FUNCTION, ids=[c[0] for c in ONE_FUNCTION])
def test_one_function_modules_are_their_own_documented_classes(name, fn, inplace):
    cls = getattr(nn, name)
    assert cls.__name__ == cls.__qualname__ == name and name in nn.__all__
    assert cls.__doc__ and cls.__module__.startswith("tinygrad_book.nn.modules.")
    x = tb.tensor(np.linspace(-7, 7, 15))
    np.testing.assert_array_equal(cls()(x).data, fn(x).data)
    assert repr(cls()) == f"{name}()" and list(cls().parameters()) == []
    if inplace:
        assert repr(cls(inplace=True)) == f"{name}(inplace=True)"
    else:
        with pytest.raises(TypeError):
            cls(inplace=True)
