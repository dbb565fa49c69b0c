"""Every optimizer and option combination against ``torch.optim`` (skipped without torch).

Both sides minimise the same random least-squares problem in float64 for 20
steps, each with its own autograd; the parameters must agree to 1e-6 relative.
"""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim

torch = pytest.importorskip("torch")

STEPS = 20

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.1, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-7)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-5)),
    ("Adadelta", dict(weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.9), amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adamax", dict(maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.9), maximize=True)),
]


@pytest.fixture(autouse=True)
def torch_float64():
    """torch keeps NAdam's mu_product (and step counts) in the default dtype."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def problem(seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(16, 5)), "y": rng.normal(size=(16, 3)),
            "w": rng.normal(size=(5, 3)), "b": rng.normal(size=(3,))}


def run_ours(name, kwargs, data, groups=None):
    w = tb.Tensor(data["w"].copy(), requires_grad=True)
    b = tb.Tensor(data["b"].copy(), requires_grad=True)
    x, y = tb.Tensor(data["x"]), tb.Tensor(data["y"])
    params = [w, b] if groups is None else [dict(g, params=[p])
                                            for g, p in zip(groups, (w, b), strict=True)]
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(STEPS):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
    return w.data, b.data


def run_torch(name, kwargs, data, groups=None):
    w = torch.tensor(data["w"], requires_grad=True)
    b = torch.tensor(data["b"], requires_grad=True)
    x, y = torch.tensor(data["x"]), torch.tensor(data["y"])
    params = [w, b] if groups is None else [dict(g, params=[p])
                                            for g, p in zip(groups, (w, b), strict=True)]
    opt = getattr(torch.optim, name)(params, **kwargs, foreach=False)
    for _ in range(STEPS):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy()


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_torch_after_20_steps(name, kwargs):
    data = problem()
    ours = run_ours(name, kwargs, data)
    theirs = run_torch(name, kwargs, data)
    for got, want, start in zip(ours, theirs, (data["w"], data["b"]), strict=True):
        assert got.dtype == np.float64
        # The parameters moved, so agreement is not just both standing still.
        assert np.abs(want - start).max() > 1e-3
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name, kwargs, groups", [
    ("SGD", dict(lr=0.05, momentum=0.9), [dict(lr=0.01), dict(nesterov=True)]),
    ("Adam", dict(lr=0.01), [dict(betas=(0.5, 0.9)), dict(lr=0.05, amsgrad=True)]),
    ("RMSprop", dict(), [dict(centered=True), dict(momentum=0.5, weight_decay=0.2)]),
])
def test_per_group_hyperparameters_match_torch(name, kwargs, groups):
    data = problem(seed=1)
    ours = run_ours(name, kwargs, data, groups)
    theirs = run_torch(name, kwargs, data, groups)
    for got, want in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


def test_defaults_match_torch():
    p = tb.Tensor(np.zeros(2), requires_grad=True)
    tp = torch.zeros(2, requires_grad=True)
    for name in ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam",
                 "RAdam"):
        ours = getattr(optim, name)([p]).defaults
        theirs = getattr(torch.optim, name)([tp]).defaults
        for key, value in ours.items():
            want = theirs[key]
            assert value == (tuple(want) if key == "betas" else want), (name, key)
