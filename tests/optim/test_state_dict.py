"""Optimizer checkpoints: state_dict()/load_state_dict() continue a run bit for bit."""
import copy

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim

CASES = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.Momentum, dict(lr=0.05)),
    (optim.Nesterov, dict(lr=0.05)),
    (optim.Adagrad, dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (optim.Adadelta, dict()),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.Adamax, dict(lr=0.01)),
    (optim.NAdam, dict(lr=0.01)),
    (optim.RAdam, dict(lr=0.01)),
]
IDS = [cls.__name__ for cls, _ in CASES]


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return [tb.Tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True),
            tb.Tensor(rng.normal(size=(3,)).astype(np.float32), requires_grad=True)]


def make_optimizer(cls, kwargs, params):
    # Two groups, so indices must run across groups.
    return cls([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.02}], **kwargs)


def train(opt, params, steps, seed=1):
    rng = np.random.default_rng(seed)
    x = tb.Tensor(rng.normal(size=(8, 4)).astype(np.float32))
    y = tb.Tensor(rng.normal(size=(8, 3)).astype(np.float32))
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ params[0] + params[1] - y) ** 2).mean()
        loss.backward()
        opt.step()


def copy_params(params):
    return [tb.Tensor(p.data.copy(), requires_grad=True) for p in params]


def assert_same_run(cls, kwargs, roundtrip):
    """Train 5 steps, checkpoint, train 5 more; a fresh optimizer loaded from the
    checkpoint (after ``roundtrip``) must produce bit-identical parameters."""
    params = make_params()
    opt = make_optimizer(cls, kwargs, params)
    train(opt, params, 5)
    saved_params = copy_params(params)
    state = roundtrip(opt.state_dict())
    train(opt, params, 5, seed=2)              # the uninterrupted run

    fresh = make_optimizer(cls, kwargs, saved_params)
    fresh.load_state_dict(state)
    train(fresh, saved_params, 5, seed=2)      # the resumed run
    for a, b in zip(params, saved_params, strict=True):
        assert b.dtype == np.float32
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_resumed_run_is_bit_identical(cls, kwargs):
    assert_same_run(cls, kwargs, roundtrip=lambda s: s)


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_resumed_run_through_save_and_load_is_bit_identical(cls, kwargs, tmp_path):
    try:
        import tinygrad_book.serialization  # noqa: F401
    except ModuleNotFoundError:
        pytest.skip("tinygrad_book.serialization (save/load) has not landed yet")

    def roundtrip(state):
        path = tmp_path / "opt.npz"
        tb.save(state, path)
        return tb.load(path)

    assert_same_run(cls, kwargs, roundtrip)


def test_state_dict_layout_is_pytorchs_and_holds_copies():
    params = make_params()
    opt = make_optimizer(optim.Adam, dict(lr=0.01), params)
    train(opt, params, 2)
    state = opt.state_dict()
    assert sorted(state) == ["param_groups", "state"]
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert state["param_groups"][1]["lr"] == 0.02
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(state["state"]) == [0, 1]
    entry = state["state"][0]
    assert sorted(entry) == ["exp_avg", "exp_avg_sq", "step"]
    assert entry["step"] == 2 and isinstance(entry["exp_avg"], np.ndarray)
    assert entry["exp_avg"].dtype == np.float32 and entry["exp_avg"].shape == (4, 3)
    snapshot = entry["exp_avg"].copy()
    train(opt, params, 1)
    np.testing.assert_array_equal(entry["exp_avg"], snapshot)
    assert not np.array_equal(opt.state[params[0]]["exp_avg"].data, snapshot)


def test_loaded_arrays_are_copies():
    params = make_params()
    opt = make_optimizer(optim.SGD, dict(lr=0.1, momentum=0.9), params)
    train(opt, params, 2)
    state = opt.state_dict()
    fresh = make_optimizer(optim.SGD, dict(lr=0.1, momentum=0.9), copy_params(params))
    fresh.load_state_dict(state)
    buf = state["state"][0]["momentum_buffer"]
    before = buf.copy()
    train(fresh, fresh.param_groups[0]["params"] + fresh.param_groups[1]["params"], 1)
    np.testing.assert_array_equal(buf, before)


def test_load_takes_hyperparameters_from_the_checkpoint():
    params = make_params()
    opt = make_optimizer(optim.Adam, dict(lr=0.01), params)
    opt.param_groups[0]["lr"] = 0.123
    fresh = make_optimizer(optim.Adam, dict(lr=0.5), copy_params(params))
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.123 and fresh.param_groups[1]["lr"] == 0.02
    assert fresh.param_groups[0]["params"][0] is not params[0]


def snapshot(opt):
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return (copy.deepcopy(groups),
            {id(p): {k: (v.data.copy() if isinstance(v, tb.Tensor) else v) for k, v in s.items()}
             for p, s in opt.state.items()})


def assert_unchanged(opt, before):
    groups, state = snapshot(opt)
    assert groups == before[0]
    assert state.keys() == before[1].keys()
    for key in state:
        for name, value in state[key].items():
            np.testing.assert_array_equal(value, before[1][key][name])


def bad_state_dicts():
    params = make_params()
    adam = make_optimizer(optim.Adam, dict(lr=0.01), params)
    train(adam, params, 1)
    good = adam.state_dict()

    one_group = optim.Adam([p for p in make_params()], lr=0.01)
    one_group_state = one_group.state_dict()

    bigger = make_params()
    bigger[0] = tb.Tensor(np.zeros((5, 3), dtype=np.float32), requires_grad=True)
    big = make_optimizer(optim.Adam, dict(lr=0.01), bigger)
    for p in bigger:
        p.grad = tb.zeros_like(p)
    big.step()

    sgd = make_optimizer(optim.SGD, dict(lr=0.1, momentum=0.9), make_params())
    bad_beta = copy.deepcopy(good)
    bad_beta["param_groups"][1]["betas"] = (0.9, 1.5)
    stray = copy.deepcopy(good)
    stray["state"][7] = stray["state"][0]
    scalar_array = copy.deepcopy(good)
    scalar_array["state"][0]["exp_avg"] = 0.0
    return [
        ("group count", one_group_state, "has 1 parameter groups, but this optimizer has 2"),
        ("group size", {"state": {}, "param_groups": [{**good["param_groups"][0], "params": [0, 1]},
                                                       good["param_groups"][1]]},
         "loaded parameter group 0 has 2 parameters, but this optimizer's group 0 has 1"),
        ("state shape", big.state_dict(), r"state\[0\]\['exp_avg'\] has shape \(5, 3\), but "
                                          r"parameter 0 has shape \(4, 3\)"),
        ("other optimizer", sgd.state_dict(), r"lacks \['betas', 'eps', 'amsgrad'"),
        ("bad hyperparameter", bad_beta, r"parameter group 1: Invalid beta parameter at index 1"),
        ("stray index", stray, "state for parameter 7, which no parameter group lists"),
        ("number for array", scalar_array, r"state\[0\]\['exp_avg'\] should be an array of shape"),
        ("not a state dict", {"state": {}}, "expected a dict with 'state' and 'param_groups'"),
    ]


@pytest.mark.parametrize("what, state, message", bad_state_dicts(),
                         ids=[case[0] for case in bad_state_dicts()])
def test_mismatched_state_dicts_are_refused_and_change_nothing(what, state, message):
    params = make_params()
    opt = make_optimizer(optim.Adam, dict(lr=0.01), params)
    train(opt, params, 2)
    before = snapshot(opt)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(state)
    assert_unchanged(opt, before)
