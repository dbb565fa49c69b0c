"""detect_anomaly(): the op whose backward first produced NaN or Inf, and the line of user
code that created it — as torch.autograd.detect_anomaly reports it."""
import sys
import warnings

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import autograd, engine, nn

pytestmark = [pytest.mark.reliability, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

HERE = __file__.replace("\\", "/")


def _site(line, code):
    """The message's call-site part for a line of this file."""
    return rf"Forward call site: .*test_anomaly\.py:{line} in \w+: {code}"


def test_names_the_backward_that_returned_nan_and_its_forward_line():
    x = tb.tensor([0.0, 1.0], requires_grad=True)
    with tb.detect_anomaly():
        y = x.log()
        line = sys._getframe().f_lineno - 1
        loss = (y * 0).sum()  # 0 * (-inf) upstream is fine; log's 0 / 0 is not
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    assert message.startswith("Function 'LogBackward' returned nan values in its 0th output "
                              "(the gradient for input 0, shape (2,)).\n")
    assert _matches(_site(line, r"y = x\.log\(\)"), message)
    assert x.grad is None  # leaves are written only after a successful backward


def test_names_the_backward_that_returned_inf():
    x = tb.tensor([[0.0, 4.0]], dtype=np.float64, requires_grad=True)
    with tb.detect_anomaly():
        root = x.sqrt()
        line = sys._getframe().f_lineno - 1
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward' returned inf values in "
                                               r"its 0th output \(the gradient for input 0, "
                                               r"shape \(1, 2\)\)") as info:
            (root * 3).sum().backward()
    assert _matches(_site(line, r"root = x\.sqrt\(\)"), str(info.value))


def test_without_anomaly_mode_the_same_graph_gives_nan_silently():
    x = tb.tensor([0.0, 1.0], requires_grad=True)
    (x.log() * 0).sum().backward()
    assert np.isnan(x.grad.data[0])


class _BadGrad(tb.Function):
    """Identity in forward; backward returns NaN for its second input only."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g * float("nan")


def test_names_the_output_index_of_a_custom_function():
    a = tb.ones(3, requires_grad=True)
    b = tb.ones(3, requires_grad=True)
    with tb.detect_anomaly():
        out = _BadGrad.apply(a, b * 2)
        line = sys._getframe().f_lineno - 1
        with pytest.raises(RuntimeError, match=r"Function '_BadGradBackward' returned nan values "
                                               r"in its 1st output") as info:
            out.sum().backward()
    assert _matches(_site(line, r"out = _BadGrad\.apply\(a, b \* 2\)"), str(info.value))
    assert a.grad is None and b.grad is None


class _RawInf(tb.Function):
    """A backward that returns a plain array (allowed: the engine wraps it) holding inf."""

    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return np.full(g.shape, np.inf, dtype=g.dtype)


def test_a_plain_array_returned_by_backward_is_checked_too():
    x = tb.ones(2, 2, requires_grad=True)
    with tb.detect_anomaly():
        y = _RawInf.apply(x)
        with pytest.raises(RuntimeError, match=r"Function '_RawInfBackward' returned inf values in "
                                               r"its 0th output \(the gradient for input 0, shape "
                                               r"\(2, 2\)\)"):
            y.sum().backward()


class _Log(nn.Module):
    def forward(self, x):
        return x.log()  # the call site reported for this layer's op


def test_call_site_and_module_inside_a_model():
    """The site is the first frame outside tinygrad_book: the user's own forward, whichever
    library layers (Sequential, Module.__call__, functional) lie in between."""
    w = nn.Parameter(np.ones((2, 2), dtype=np.float32))
    model = nn.Sequential(nn.ReLU(), _Log())
    x = tb.tensor([[-5.0, 1.0], [2.0, 3.0]]) @ w  # ReLU gives a 0, whose log is -inf
    with tb.detect_anomaly():
        out = model(x)
        with pytest.raises(RuntimeError) as info:
            (out * 0).sum().backward()
    message = str(info.value)
    line = _Log.forward.__code__.co_firstlineno + 1
    assert message.startswith("Function 'LogBackward' returned nan values in its 0th output")
    assert _matches(rf"Forward call site inside module '1': .*test_anomaly\.py:{line} in "
                    rf"forward: return x\.log\(\)", message)
    assert w.grad is None


def test_ops_recorded_before_the_mode_was_on_are_still_checked():
    x = tb.tensor([0.0], requires_grad=True)
    loss = (x.log() * 0).sum()
    with tb.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"LogBackward' returned nan values.*\nNo forward "
                                               r"call site was recorded for it: the op was "
                                               r"created outside detect_anomaly\(\)"):
            loss.backward()


def test_double_backward_is_checked_too():
    x = tb.tensor([0.0, 1.0], dtype=np.float64, requires_grad=True)
    with tb.detect_anomaly():
        (g,) = tb.grad((x ** 1.5).sum(), x, create_graph=True)  # 1.5 sqrt(x): finite
        np.testing.assert_allclose(g.data, [0.0, 1.5])
        with pytest.raises(RuntimeError, match=r"returned inf values"):
            g.sum().backward()  # 0.75 / sqrt(0)


def test_gradients_are_identical_with_the_mode_on():
    def step():
        tb.manual_seed(3)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(8, 3))
        x = tb.randn(4, 1, 6, 6)
        F.cross_entropy(model(x), tb.tensor([0, 1, 2, 0])).backward()
        return [p.grad.data.copy() for p in model.parameters()]

    plain = step()
    with tb.detect_anomaly():
        checked = step()
    for a, b in zip(plain, checked, strict=True):
        np.testing.assert_array_equal(a, b)


def test_context_manager_decorator_and_switch_restore_the_mode():
    assert not tb.is_anomaly_enabled()
    with pytest.raises(KeyError):
        with tb.detect_anomaly():
            assert tb.is_anomaly_enabled()
            raise KeyError("leaves the block")
    assert not tb.is_anomaly_enabled()

    @tb.detect_anomaly()
    def inside():
        return tb.is_anomaly_enabled()

    assert inside() and not tb.is_anomaly_enabled()
    with tb.set_detect_anomaly(True):
        with tb.set_detect_anomaly(False):
            assert not tb.is_anomaly_enabled()
        assert tb.is_anomaly_enabled()
    assert not tb.is_anomaly_enabled()
    with pytest.raises(TypeError, match=r"set_detect_anomaly\(mode\): mode must be True or "
                                        r"False, got 1"):
        tb.set_detect_anomaly(1)


def test_when_off_nothing_is_recorded_and_nothing_is_checked(monkeypatch):
    """The mode costs one flag test per op and per node when off: the hooks never run."""
    calls = {"site": 0, "check": 0}

    def count(name, fn):
        def wrapper(*args):
            calls[name] += 1
            return fn(*args)
        return wrapper

    monkeypatch.setattr(autograd, "record_call_site", count("site", autograd.record_call_site))
    monkeypatch.setattr(engine, "check_gradients", count("check", engine.check_gradients))
    x = tb.ones(3, requires_grad=True)
    y = (x * 2).exp().sum()
    assert y.grad_fn.forward_site is None
    y.backward()
    assert calls == {"site": 0, "check": 0}
    with tb.detect_anomaly():
        y = (x * 2).exp().sum()
        y.backward()
    assert calls == {"site": 3, "check": 3}
    assert y.grad_fn.forward_site[0].replace("\\", "/") == HERE


def test_finite_values_pass_without_warnings():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tb.detect_anomaly():
            (x.log() * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.log([1.0, 2.0]) + 1, rtol=1e-6)


def _matches(pattern, text):
    import re

    return re.search(pattern, text) is not None
