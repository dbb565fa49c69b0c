"""The layers' direct calls of their fused Functions (BatchNorm, Linear) give what the checked
functional path gives, and fall back to it (and its errors) for anything it would refuse."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor, nn
from tinygrad_book.testing import assert_close


def _batch(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (6, 4)), (nn.BatchNorm1d, (5, 4, 3)),
                                        (nn.BatchNorm2d, (3, 4, 5, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"momentum": None},
                                    {"track_running_stats": False}, {"bias": False}])
def test_batchnorm_layer_matches_the_functional_path(cls, shape, kwargs):
    layer = cls(4, **kwargs)
    if layer.weight is not None:
        layer.weight.data[:] = np.linspace(0.5, 2.0, 4, dtype=np.float32)
    if layer.bias is not None:
        layer.bias.data[:] = np.linspace(-1.0, 1.0, 4, dtype=np.float32)
    rm = None if layer.running_mean is None else layer.running_mean.data.copy()
    rv = None if layer.running_var is None else layer.running_var.data.copy()
    params = [p for p in (layer.weight, layer.bias) if p is not None]
    twins = [Tensor(p.data.copy(), requires_grad=True) for p in params]
    w = twins[0] if layer.weight is not None else None
    b = twins[-1] if layer.bias is not None else None
    for step in range(2):
        x = _batch(shape, seed=step)
        xa, xb = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        ya = layer(xa)
        momentum = (1.0 / (step + 1)) if "momentum" in kwargs else 0.1
        yb = F.batch_norm(xb, rm, rv, w, b, True, momentum, layer.eps)
        assert ya.dtype == np.float32
        assert_close(ya, yb, rtol=1e-6, atol=1e-6)
        g = _batch(shape, seed=10 + step)
        ya.backward(Tensor(g))
        yb.backward(Tensor(g))
        assert_close(xa.grad, xb.grad, rtol=1e-5, atol=1e-6)
    for p, q in zip(params, twins, strict=True):
        assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-5)
    if rm is not None:
        assert_close(layer.running_mean, rm, rtol=1e-6, atol=1e-7)
        assert_close(layer.running_var, rv, rtol=1e-6, atol=1e-7)


def test_batchnorm_layer_with_a_mismatched_weight_falls_back_to_the_checks():
    layer = nn.BatchNorm1d(3)
    layer.weight = nn.Parameter(np.ones(3, np.float64))
    with pytest.raises(TypeError, match="batch_norm.*dtype"):
        layer(Tensor(_batch((4, 3))))
    assert int(layer.num_batches_tracked.data) == 0   # the failed call left no state behind


def test_batchnorm_layer_on_an_empty_batch_falls_back_to_the_functional_path():
    layer = nn.BatchNorm2d(2)
    out = layer(Tensor(np.zeros((0, 2, 3, 3), np.float32)))
    assert out.shape == (0, 2, 3, 3)
    np.testing.assert_array_equal(layer.running_mean.data, np.zeros(2, np.float32))


def test_linear_layer_matches_f_linear_and_keeps_its_errors():
    layer = nn.Linear(5, 3)
    x = Tensor(_batch((4, 5)), requires_grad=True)
    x2 = Tensor(x.data.copy(), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    w = Tensor(layer.weight.data.copy(), requires_grad=True)
    F.linear(x2, w, Tensor(layer.bias.data)).sum().backward()
    assert_close(y, F.linear(x2, w, Tensor(layer.bias.data)))
    assert_close(x.grad, x2.grad)
    assert_close(layer.weight.grad, w.grad)
    with pytest.raises(TypeError, match="linear.*dtype"):
        layer(Tensor(_batch((4, 5), np.float64)))
    with pytest.raises(TypeError, match="floating point"):
        layer(Tensor(np.ones((4, 5), np.int64)))
    layer.weight = nn.Parameter(np.ones((3, 4), np.float32))   # a wrong shape, set by hand
    with pytest.raises(ValueError, match="linear"):
        layer(Tensor(_batch((4, 5))))
