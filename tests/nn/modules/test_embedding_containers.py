"""Embedding, ModuleDict, ParameterList and ParameterDict: PyTorch's keys, order and values."""
import numpy as np
import pytest

from tinygrad_book import Tensor, nn


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(layer_parity, torch, padding_idx):
    ours = nn.Embedding(6, 3, padding_idx=padding_idx, dtype=np.float64)
    theirs = torch.nn.Embedding(6, 3, padding_idx=padding_idx, dtype=torch.float64)
    assert list(ours.state_dict()) == ["weight"]
    layer_parity(ours, theirs, [np.array([[0, 2, 5], [2, 2, 1]])])
    if padding_idx is not None:
        assert np.all(ours.weight.grad.data[padding_idx] == 0)
        assert np.all(nn.Embedding(6, 3, padding_idx=padding_idx).weight.data[padding_idx] == 0)


def test_embedding_init_and_from_pretrained():
    w = nn.Embedding(1000, 20).weight.data
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02    # N(0, 1), as PyTorch
    table = np.arange(6.0).reshape(3, 2)
    e = nn.Embedding.from_pretrained(table)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(e(Tensor(np.array([2]))).data, [[4.0, 5.0]])


def test_module_dict_keys_order_and_state_dict_match_torch(torch):
    ours = nn.ModuleDict({"b": nn.Linear(2, 3), "a": nn.Linear(3, 1)})
    ours["c"] = nn.ReLU()
    theirs = torch.nn.ModuleDict({"b": torch.nn.Linear(2, 3), "a": torch.nn.Linear(3, 1)})
    theirs["c"] = torch.nn.ReLU()
    assert list(ours.keys()) == list(theirs.keys()) == ["b", "a", "c"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.ones((1, 2), dtype=np.float32)
    np.testing.assert_allclose(ours["a"](ours["b"](Tensor(x))).data,
                               theirs["a"](theirs["b"](torch.tensor(x))).detach().numpy(),
                               rtol=1e-6)
    assert "a" in ours and len(ours) == 3
    del ours["a"]
    assert list(ours) == ["b", "c"] and len(list(ours.parameters())) == 2


def test_parameter_list_and_dict_register_like_torch(torch):
    ours = nn.ParameterList([nn.Parameter(np.zeros(2)), Tensor(np.ones(3))])
    ours.append(nn.Parameter(np.zeros((2, 2))))
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2)), torch.ones(3)])
    theirs.append(torch.nn.Parameter(torch.zeros(2, 2)))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2"]
    assert isinstance(ours[1], nn.Parameter) and ours[-1].shape == (2, 2)
    assert len(list(ours.parameters())) == 3
    pd = nn.ParameterDict({"w": nn.Parameter(np.zeros(2))})
    pd["b"] = Tensor(np.zeros(1))
    tpd = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.zeros(2))})
    tpd["b"] = torch.zeros(1)
    assert list(pd.state_dict()) == list(tpd.state_dict()) == ["w", "b"]
    model = nn.Module()
    model.scales = pd
    assert [n for n, _ in model.named_parameters()] == ["scales.w", "scales.b"]
    with pytest.raises(TypeError):
        ours.append("not a tensor")
