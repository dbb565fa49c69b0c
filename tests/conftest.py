"""Fixtures shared by every test folder: mode hygiene, the cycle collector switch, state
snapshots (``assert_unchanged``), a small trained model (``trained_setup``) and the property
tests' inputs (``prop``); the pytester plugin and Hypothesis's settings."""
import atexit
import contextlib
import gc
import os
import shutil
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, configuration, settings
from hypothesis import strategies as st

import tinygrad_book as tb
from tinygrad_book import anomaly, nn, optim

# pytester runs pytest inside a test (the tinygrad_book pytest plugin's tests); it can only
# be enabled here, in the top-level conftest.
pytest_plugins = ["pytester"]

# No example database: a run does not depend on the failures an earlier run saved. And
# Hypothesis's own files (its cache of constants found in our code) go to a temporary
# directory, removed at exit, not to .hypothesis/ in the repository; the environment
# variable carries that to child processes.
settings.register_profile("tinygrad_book_tests", database=None)
settings.load_profile("tinygrad_book_tests")
# The property tests' budget: few, tiny examples (gradcheck builds dense Jacobians), so each
# test_properties.py file stays within a few seconds. Use as
# ``@settings(settings.get_profile("few"))``.
settings.register_profile("few", max_examples=30, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="tinygrad_book-hypothesis-")
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = HYPOTHESIS_HOME
configuration.set_hypothesis_home_dir(HYPOTHESIS_HOME)
atexit.register(shutil.rmtree, HYPOTHESIS_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def _modes_are_restored():
    """Every test starts with recording on and anomaly mode off, and must leave them so."""
    assert tb.is_grad_enabled() and not anomaly.is_anomaly_enabled()
    yield
    leaked = [name for name, bad in (("grad mode off", not tb.is_grad_enabled()),
                                     ("anomaly mode on", anomaly.is_anomaly_enabled())) if bad]
    tb.set_grad_enabled(True)
    anomaly.set_detect_anomaly(False)
    if leaked:
        pytest.fail(f"the test left {' and '.join(leaked)}")


def _snapshot(obj):
    """Everything about ``obj`` that a failed call must not change, as plain copies."""
    if isinstance(obj, nn.Module):
        return {"state": obj.state_dict(),
                "grads": {k: None if p.grad is None else p.grad.data.copy()
                          for k, p in obj.named_parameters()},
                "training": [m.training for m in obj.modules()]}
    if isinstance(obj, optim.Optimizer):
        sd = obj.state_dict()
        return {"state": sd["state"], "groups": [dict(g) for g in sd["param_groups"]],
                "steps": obj._step_count}
    if isinstance(obj, tb.Tensor):
        return {"data": obj.data.copy(), "grad": None if obj.grad is None else obj.grad.data.copy(),
                "requires_grad": obj.requires_grad}
    raise TypeError(f"cannot snapshot {type(obj).__name__}")


def _assert_same(before, after, where):
    if isinstance(before, dict):
        assert list(before) == list(after), f"{where}: keys changed"
        for k in before:
            _assert_same(before[k], after[k], f"{where}[{k!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), f"{where}: length changed"
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            _assert_same(b, a, f"{where}[{i}]")
    elif isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        assert isinstance(after, np.ndarray) and before.dtype == after.dtype, where
        assert np.array_equal(before, after, equal_nan=True), f"{where}: values changed"
    else:
        assert before == after, f"{where}: {before!r} became {after!r}"


@pytest.fixture
def assert_unchanged():
    """``with assert_unchanged(model, optimizer, tensor, ...):`` fails if the block changes
    any of their state: values, buffers, gradients, modes, optimizer state and steps."""
    @contextlib.contextmanager
    def check(*objects):
        before = [_snapshot(o) for o in objects]
        yield
        for i, (obj, b) in enumerate(zip(objects, before, strict=True)):
            _assert_same(b, _snapshot(obj), f"{type(obj).__name__} #{i}")

    return check


@pytest.fixture
def refuses_argument(assert_unchanged):
    """``refuses_argument(call, message)``: ``call(params)`` on a Linear layer's parameters
    (each with a gradient) raises ValueError matching ``message`` and changes nothing."""
    def check(call, message):
        layer = nn.Linear(3, 2)
        params = list(layer.parameters())
        for p in params:
            p.grad = tb.ones(*p.shape)
        with assert_unchanged(layer), pytest.raises(ValueError, match=message):
            call(params)

    return check


@pytest.fixture
def trained_setup():
    """A small conv net with BatchNorm and Dropout, and an Adam optimizer that has taken
    two steps (so it holds moment estimates), plus one good batch."""
    tb.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * 3 * 3, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x = tb.randn(5, 1, 8, 8)
    t = tb.tensor([0, 1, 2, 1, 0])
    for _ in range(2):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), t).backward()
        opt.step()
    return model, opt, x, t


@pytest.fixture
def gc_disabled():
    """With the cycle collector off, only reference counting frees: a cycle would leak
    (and survive until a collection) instead of being freed at once."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _PropertyInputs:
    """The inputs of the property tests (Hypothesis) and their gradient check."""

    @staticmethod
    def data(draw, shape, low=-2.0, high=2.0, away_from=None):
        """float64 values in [low, high], at least 0.1 from ``away_from`` (kinks, poles, ties);
        ``draw`` is a ``st.data()``'s draw. One drawn seed, not one draw per value: fast."""
        size = int(np.prod(shape, dtype=np.int64))
        seed = draw(st.integers(0, 2 ** 32 - 1))
        values = np.random.default_rng(seed).uniform(low, high, size)
        if away_from is not None:
            near = np.abs(values - away_from) < 0.1
            values[near] = away_from + np.where(values[near] >= away_from, 0.1, -0.1)
        return values.reshape(shape)

    @staticmethod
    def leaf(values):
        return tb.tensor(values, dtype=np.float64, requires_grad=True)

    @staticmethod
    def gradcheck(fn, *inputs):
        assert tb.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.fixture(scope="session")
def prop():
    """``prop.data(draw, shape, low, high, away_from)``, ``prop.leaf(values)`` and
    ``prop.gradcheck(fn, *inputs)`` for the property tests (session-scoped, so Hypothesis's
    ``@given`` tests may take it)."""
    return _PropertyInputs
