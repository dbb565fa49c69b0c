"""nn.init: the book's scales, PyTorch's formulas, in-place fills that keep dtype."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.nn import init


def weight(*shape, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("nonlinearity,param,expected", [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0),
    ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)), ("selu", None, 0.75),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
])
def test_calculate_gain(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans_of_linear_and_conv_weights():
    assert init._calculate_fan_in_and_fan_out(weight(100, 784)) == (784, 100)
    # The book's n for a conv filter: in_channels * kh * kw values per output.
    assert init._calculate_fan_in_and_fan_out(weight(30, 1, 5, 5)) == (25, 750)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(weight(5))


@pytest.mark.parametrize("fn,kwargs,std", [
    (init.kaiming_normal_, dict(nonlinearity="relu"), math.sqrt(2 / 400)),       # book's He
    (init.kaiming_normal_, dict(nonlinearity="linear"), math.sqrt(1 / 400)),     # book's Xavier
    (init.kaiming_normal_, dict(nonlinearity="relu", mode="fan_out"), math.sqrt(2 / 200)),
    (init.kaiming_uniform_, dict(nonlinearity="relu"), math.sqrt(2 / 400)),
    (init.xavier_normal_, dict(), math.sqrt(2 / 600)),
    (init.xavier_uniform_, dict(gain=2.0), 2 * math.sqrt(2 / 600)),
    (init.normal_, dict(std=0.01), 0.01),
])
def test_scales(fn, kwargs, std):
    w = weight(200, 400)
    arr = w.data
    out = fn(w, **kwargs)
    assert out is w and w.data is arr and w.dtype == np.float32
    assert abs(w.data.mean()) < 0.02 * std
    assert w.data.std() == pytest.approx(std, rel=0.02)


def test_uniform_bounds_and_constants():
    w = weight(50, 50, dtype=np.float64)
    init.uniform_(w, -0.5, 0.25)
    assert w.dtype == np.float64
    assert w.data.min() >= -0.5 and w.data.max() < 0.25 and w.data.min() < -0.45
    init.constant_(w, 0.3)
    assert (w.data == 0.3).all()
    init.ones_(w)
    assert (w.data == 1).all()
    init.zeros_(w)
    assert not w.data.any()


def test_fills_work_in_grad_mode_without_recording():
    w = weight(3, 3)
    assert tb.is_grad_enabled()
    init.normal_(w)
    assert w.grad_fn is None and w.requires_grad and w.is_leaf


def test_reproducible_with_manual_seed():
    tb.manual_seed(3)
    a = init.kaiming_uniform_(weight(4, 4)).data.copy()
    tb.manual_seed(3)
    b = init.kaiming_uniform_(weight(4, 4)).data.copy()
    np.testing.assert_array_equal(a, b)


def test_errors():
    with pytest.raises(TypeError, match="expected a floating point tensor, got dtype int64"):
        init.zeros_(tb.Tensor(np.zeros(2, dtype=np.int64)))
    with pytest.raises(TypeError, match="expected a Tensor or Parameter, got ndarray"):
        init.normal_(np.zeros(2))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_normal_(weight(2, 2), mode="fan_avg")
    with pytest.raises(ValueError, match="std must be non-negative, got -1"):
        init.normal_(weight(2), std=-1)
    with pytest.raises(ValueError, match="expected a <= b, got a=1, b=0"):
        init.uniform_(weight(2), 1, 0)
    with pytest.raises(TypeError, match="normal_: std must be a number, got str '0.1'"):
        init.normal_(weight(2), std="0.1")
    with pytest.raises(TypeError, match="xavier_uniform_: gain must be a number, got NoneType"):
        init.xavier_uniform_(weight(2, 2), gain=None)


def test_layer_defaults_follow_pytorch_bounds():
    tb.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.weight.data).max() > 0.95 * bound
    assert np.abs(lin.bias.data).max() <= bound
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.9 * bound
