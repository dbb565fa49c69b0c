"""state_dict / load_state_dict: keys as PyTorch, snapshots, strict errors by name, atomicity."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn


def small_net():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(2 * 4 * 4, 3))


def test_state_dict_keys_and_values():
    net = small_net()
    sd = net.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked", "4.weight", "4.bias"]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    assert sd["1.num_batches_tracked"].dtype == np.int64 and sd["1.num_batches_tracked"].shape == ()
    assert sd["0.weight"].dtype == np.float32
    # A snapshot: changing the model later does not change it.
    net[0].weight.data[...] = 7
    assert not (sd["0.weight"] == 7).any()
    kept = net.state_dict(keep_vars=True)
    assert kept["0.weight"] is net[0].weight


def test_round_trip_into_a_fresh_model():
    src, dst = small_net(), small_net()
    src[1].running_mean.data[...] = [0.5, -0.5]
    src[1].num_batches_tracked.data[...] = 9
    weight_obj = dst[4].weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert dst[4].weight is weight_obj  # loaded in place: optimizers keep their references
    assert int(dst[1].num_batches_tracked.data) == 9


def test_load_accepts_tensors_and_casts_dtype():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": tb.Tensor(np.eye(2)), "bias": np.array([1.0, 2.0])})
    assert lin.weight.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.data, np.eye(2, dtype=np.float32))
    np.testing.assert_array_equal(lin.bias.data, [1, 2])


def test_strict_errors_name_every_key_and_change_nothing():
    net = small_net()
    before = net.state_dict()
    bad = dict(before)
    del bad["1.running_var"]
    bad["extra.weight"] = np.zeros(1)
    bad["4.weight"] = np.zeros((3, 31), dtype=np.float32)
    bad["0.bias"] = np.full(2, 5.0, dtype=np.float32)   # valid, must still not be copied
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(bad)
    msg = str(err.value)
    assert "Error(s) in loading state_dict for Sequential" in msg
    assert 'Missing key(s) in state_dict: "1.running_var"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert ("size mismatch for 4.weight: copying a param with shape (3, 31) from checkpoint, "
            "the shape in current model is (3, 32)") in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_non_strict_reports_keys_but_still_refuses_shape_mismatch():
    lin = nn.Linear(2, 2)
    result = lin.load_state_dict({"weight": np.ones((2, 2)), "other": np.zeros(1)},
                                 strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(lin.weight.data, np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        lin.load_state_dict({"weight": np.ones((3, 2))}, strict=False)


def test_load_state_dict_accepts_what_load_returns(tmp_path):
    src, dst = small_net(), small_net()
    tb.save(src.state_dict(), tmp_path / "net.npz")
    dst.load_state_dict(tb.load(tmp_path / "net.npz"))
    np.testing.assert_array_equal(dst[4].weight.data, src[4].weight.data)
    assert dst[1].num_batches_tracked.dtype == np.int64


def test_state_dict_loads_into_torch_and_back():
    torch = pytest.importorskip("torch")
    ours = small_net()
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                 torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(32, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours[1].running_mean.data[...] = [0.25, -0.75]
    ours[1].running_var.data[...] = [2.0, 0.5]
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 1, 6, 6)).astype(np.float32)
    ours.eval()
    theirs.eval()
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(tb.Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)
    # And PyTorch's state dict (torch tensors) loads into ours.
    fresh = small_net()
    fresh.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(fresh[4].weight.data, theirs[4].weight.detach().numpy())
