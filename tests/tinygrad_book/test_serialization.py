"""tinygrad_book.save / load: structure, keys and dtypes survive; atomic, pickle-free files."""
import io
import os

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn


def optimizer_like_state():
    return {
        "state": {0: {"step": 3, "exp_avg": np.arange(4, dtype=np.float32)},
                  1: {"step": 3, "momentum_buffer": None}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                          "foreach": None, "name": "main", "params": [0, 1]}],
    }


def test_round_trip_of_nested_optimizer_state(tmp_path):
    obj = optimizer_like_state()
    path = tmp_path / "opt.ckpt"
    tb.save(obj, path)
    back = tb.load(path)
    assert list(back) == ["state", "param_groups"]
    assert list(back["state"]) == [0, 1] and all(type(k) is int for k in back["state"])
    assert back["state"][0]["step"] == 3 and type(back["state"][0]["step"]) is int
    assert back["state"][1]["momentum_buffer"] is None
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], np.arange(4))
    assert back["state"][0]["exp_avg"].dtype == np.float32
    group = back["param_groups"][0]
    assert group == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                     "foreach": None, "name": "main", "params": [0, 1]}
    assert isinstance(group["betas"], tuple) and isinstance(group["params"], list)
    assert not [p for p in os.listdir(tmp_path) if p != "opt.ckpt"]  # no temp file left


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int32,
                                   np.int64, np.uint8, np.bool_])
def test_dtypes_and_shapes_survive(tmp_path, dtype):
    arr = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    tb.save({"a": arr, "scalar": np.array(5, dtype=dtype)[()], "empty": np.zeros((0, 3), dtype)},
            tmp_path / "x.npz")
    back = tb.load(tmp_path / "x.npz")
    assert back["a"].dtype == dtype and back["a"].shape == (2, 3)
    np.testing.assert_array_equal(back["a"], arr)
    assert isinstance(back["scalar"], np.generic) and back["scalar"].dtype == dtype
    assert back["empty"].shape == (0, 3)


def test_tensors_parameters_odd_keys_and_special_floats(tmp_path):
    obj = {
        "t": tb.Tensor(np.ones(2, np.float64), requires_grad=True),
        "p": nn.Parameter(np.zeros(3, np.float32)),
        (1, "a"): "tuple key", 2.5: "float key", None: "none key", True: [1, (2, 3)],
        "nan": float("nan"), "inf": float("-inf"), "big": 2 ** 70, "text": "ünïcode",
    }
    tb.save(obj, tmp_path / "x.npz")
    back = tb.load(tmp_path / "x.npz")
    assert isinstance(back["t"], tb.Tensor) and back["t"].requires_grad
    assert back["t"].dtype == np.float64
    assert isinstance(back["p"], nn.Parameter) and back["p"].dtype == np.float32
    assert back[(1, "a")] == "tuple key" and back[2.5] == "float key"
    assert back[None] == "none key" and back[True] == [1, (2, 3)]
    assert np.isnan(back["nan"]) and back["inf"] == float("-inf")
    assert back["big"] == 2 ** 70 and back["text"] == "ünïcode"


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    tb.save({"w": np.eye(2)}, buf)
    buf.seek(0)
    np.testing.assert_array_equal(tb.load(buf)["w"], np.eye(2))


def test_unsupported_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / "keep.npz"
    tb.save({"old": 1}, path)
    with pytest.raises(TypeError, match=r"cannot store obj\['state'\]\[0\]\['buf'\]: got set"):
        tb.save({"state": [{"buf": {1, 2}}]}, path)
    with pytest.raises(TypeError, match="object array needs pickle"):
        tb.save({"o": np.array([object()])}, path)
    with pytest.raises(TypeError, match="dict key of type frozenset"):
        tb.save({frozenset(): 1}, path)
    assert tb.load(path) == {"old": 1}


def test_truncated_corrupt_and_foreign_files(tmp_path):
    good = tmp_path / "good.npz"
    tb.save({"w": np.random.default_rng(0).standard_normal(1000)}, good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.npz' is truncated, corrupt or not a"):
        tb.load(truncated)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not a checkpoint at all" * 10)
    with pytest.raises(ValueError, match="garbage.bin"):
        tb.load(garbage)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, w=np.ones(2))
    with pytest.raises(ValueError, match="foreign.npz.*not a tinygrad_book checkpoint"):
        tb.load(foreign)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(ValueError, match="single .npy array"):
        tb.load(npy)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        tb.load(tmp_path / "missing.npz")


def test_model_state_dict_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    tb.save(model.state_dict(), tmp_path / "m.npz")
    back = tb.load(tmp_path / "m.npz")
    assert list(back) == list(model.state_dict())
    assert back["1.num_batches_tracked"].dtype == np.int64
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(back[k], v)
