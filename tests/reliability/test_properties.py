"""Property-based tests (Hypothesis): random shapes, broadcasts, axes and window settings.

Elementwise ops and reductions match NumPy and pass gradcheck; conv and pooling outputs
have the size (H + 2P - D(K - 1) - 1) // S + 1, match a direct loop and pass gradcheck;
a seeded training run repeats bit for bit. Examples are few and tiny (gradcheck builds
dense Jacobians), so the whole file stays within a few seconds.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim
from tinygrad_book.data import DataLoader, TensorDataset
from tinygrad_book.testing import assert_close

pytestmark = pytest.mark.reliability

FEW = settings(max_examples=30, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow])


def _data(draw, shape, low=-2.0, high=2.0, away_from=None):
    """float64 values in [low, high], at least 0.1 from ``away_from`` (kinks, poles, ties)."""
    size = int(np.prod(shape, dtype=np.int64))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    values = np.random.default_rng(seed).uniform(low, high, size)
    if away_from is not None:
        near = np.abs(values - away_from) < 0.1
        values[near] = away_from + np.where(values[near] >= away_from, 0.1, -0.1)
    return values.reshape(shape)


def _leaf(values):
    return tb.tensor(values, dtype=np.float64, requires_grad=True)


def _gradcheck(fn, *inputs):
    assert tb.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-6, rtol=1e-4)


# -- elementwise ops with broadcasting -------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, np.add, None),
    "sub": (lambda a, b: a - b, np.subtract, None),
    "mul": (lambda a, b: a * b, np.multiply, None),
    "div": (lambda a, b: a / b, np.divide, 0.0),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b, 0.0),
    "maximum": (lambda a, b: tb.maximum(a, b), np.maximum, None),
}


@FEW
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3))
def test_binary_ops_broadcast_like_numpy_and_pass_gradcheck(data, op, shapes):
    ours, numpy_op, avoid = BINARY[op]
    a = _data(data.draw, shapes.input_shapes[0], away_from=avoid)
    b = _data(data.draw, shapes.input_shapes[1], away_from=avoid)
    if op == "maximum":  # ties have no derivative: put the operands on interleaved grids
        a, b = np.round(a / 0.4) * 0.4, np.round(b / 0.4) * 0.4 + 0.2
    x, y = _leaf(a), _leaf(b)
    out = ours(x, y)
    assert out.shape == shapes.result_shape and out.dtype == np.float64
    assert_close(out, numpy_op(a, b), rtol=1e-12)
    _gradcheck(ours, x, y)


UNARY = {
    "exp": (lambda x: x.exp(), np.exp, None, (-2, 2)),
    "log": (lambda x: x.log(), np.log, None, (0.2, 3)),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, None, (0.2, 3)),
    "tanh": (lambda x: x.tanh(), np.tanh, None, (-3, 3)),
    "sigmoid": (lambda x: x.sigmoid(), lambda v: 1 / (1 + np.exp(-v)), None, (-5, 5)),
    "logsigmoid": (F.logsigmoid, lambda v: -np.log1p(np.exp(-v)), None, (-5, 5)),
    "sin": (lambda x: x.sin(), np.sin, None, (-3, 3)),
    "abs": (lambda x: x.abs(), np.abs, 0.0, (-2, 2)),
    "relu": (lambda x: x.relu(), lambda v: np.maximum(v, 0), 0.0, (-2, 2)),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), lambda v: np.clip(v, -0.5, 0.5), 0.5, (0, 2)),
}


@FEW
@given(data=st.data(), op=st.sampled_from(sorted(UNARY)),
       shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
def test_unary_ops_match_numpy_and_pass_gradcheck(data, op, shape):
    ours, numpy_op, avoid, (low, high) = UNARY[op]
    a = _data(data.draw, shape, low, high, away_from=avoid)
    x = _leaf(a)
    out = ours(x)
    assert out.shape == shape and out.dtype == np.float64
    assert_close(out, numpy_op(a), rtol=1e-12)
    _gradcheck(ours, x)


# -- reductions over random axes ----------------------------------------------------------------

REDUCTIONS = {
    "sum": (lambda x, ax, kd: x.sum(axis=ax, keepdims=kd), np.sum),
    "mean": (lambda x, ax, kd: x.mean(axis=ax, keepdims=kd), np.mean),
    "max": (lambda x, ax, kd: x.max(axis=ax, keepdims=kd), np.max),
    "min": (lambda x, ax, kd: x.min(axis=ax, keepdims=kd), np.min),
    "var": (lambda x, ax, kd: x.var(axis=ax, keepdims=kd, correction=0),
            lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims)),
    "logsumexp": (lambda x, ax, kd: x.logsumexp(axis=ax, keepdims=kd),
                  lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis,
                                                          keepdims=keepdims))),
}


@st.composite
def _shape_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    signs = draw(st.lists(st.booleans(), min_size=len(axes), max_size=len(axes)))
    axis = None if not axes else tuple(a - len(shape) if neg else a
                                       for a, neg in zip(axes, signs))
    if axis is not None and len(axis) == 1 and draw(st.booleans()):
        axis = axis[0]  # an int as well as a tuple
    return shape, axis


@FEW
@given(data=st.data(), op=st.sampled_from(sorted(REDUCTIONS)), shape_axis=_shape_and_axis(),
       keepdims=st.booleans())
def test_reductions_match_numpy_over_random_axes_and_pass_gradcheck(data, op, shape_axis,
                                                                    keepdims):
    shape, axis = shape_axis
    ours, reference = REDUCTIONS[op]
    # Distinct values, well apart, so max/min have one winner and a derivative.
    a = np.random.default_rng(data.draw(st.integers(0, 10_000))).permutation(
        int(np.prod(shape))).reshape(shape) * 0.37 - 1.0
    x = _leaf(a)
    out = ours(x, axis, keepdims)
    expected = reference(a, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    assert_close(out, expected, rtol=1e-12, atol=1e-12)
    _gradcheck(lambda t: ours(t, axis, keepdims), x)


# -- convolution and pooling hyperparameters ----------------------------------------------------

def _out_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@st.composite
def _window(draw, max_kernel=3, allow_dilation=True):
    k = draw(st.integers(1, max_kernel))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2)) if allow_dilation else 1
    p = draw(st.integers(0, (d * (k - 1) + 1) // 2))
    size = draw(st.integers(max(d * (k - 1) + 1 - 2 * p, 1), 6))
    return size, k, s, p, d


def _conv_reference(x, w, b, stride, padding, dilation):
    """A direct six-loop cross-correlation, the definition the im2col path must agree with."""
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    oh = _out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = _out_size(wd, kw, stride[1], padding[1], dilation[1])
    out = np.zeros((n, oc, oh, ow))
    for i in range(oh):
        for j in range(ow):
            for u in range(kh):
                for v in range(kw):
                    r, c_ = i * stride[0] + u * dilation[0], j * stride[1] + v * dilation[1]
                    patch = xp[:, :, r, c_]
                    out[:, :, i, j] += patch @ w[:, :, u, v].T
    return out + b[None, :, None, None]


@settings(max_examples=20, deadline=None, database=None)
@given(data=st.data(), rows=_window(), cols=_window(), n=st.integers(1, 2), c=st.integers(1, 2),
       oc=st.integers(1, 2))
def test_conv2d_output_size_values_and_gradients_for_random_hyperparameters(data, rows, cols,
                                                                            n, c, oc):
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = rows, cols
    x = _leaf(_data(data.draw, (n, c, h, w)))
    weight = _leaf(_data(data.draw, (oc, c, kh, kw)))
    bias = _leaf(_data(data.draw, (oc,)))
    conf = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    out = F.conv2d(x, weight, bias, **conf)
    assert out.shape == (n, oc, _out_size(h, kh, sh, ph, dh), _out_size(w, kw, sw, pw, dw))
    assert_close(out, _conv_reference(x.data, weight.data, bias.data, **conf), rtol=1e-10)
    _gradcheck(lambda a, b, c_: F.conv2d(a, b, c_, **conf), x, weight, bias)


def _pool_reference(x, kernel, stride, padding, dilation, reduce, fill):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=fill)
    oh = _out_size(h, kernel[0], stride[0], padding[0], dilation[0])
    ow = _out_size(w, kernel[1], stride[1], padding[1], dilation[1])
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = i * stride[0] + dilation[0] * np.arange(kernel[0])
            cols = j * stride[1] + dilation[1] * np.arange(kernel[1])
            out[:, :, i, j] = reduce(xp[:, :, rows][:, :, :, cols], axis=(2, 3))
    return out


@settings(max_examples=30, deadline=None, database=None)
@given(data=st.data(), rows=_window(max_kernel=3), cols=_window(max_kernel=3),
       kind=st.sampled_from(["max", "avg"]))
def test_pooling_output_size_values_and_gradients_for_random_hyperparameters(data, rows, cols,
                                                                             kind):
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = rows, cols
    if kind == "avg":  # avg_pool2d has no dilation; keep its padding within half the kernel
        dh = dw = 1
        ph, pw = min(ph, kh // 2), min(pw, kw // 2)
        h, w = max(h, kh - 2 * ph), max(w, kw - 2 * pw)
    # Distinct values: a max-pool window has one winner, so the gradient is defined.
    a = np.random.default_rng(data.draw(st.integers(0, 10_000))).permutation(
        2 * h * w).reshape(1, 2, h, w) * 0.1
    x = _leaf(a)
    conf = dict(kernel_size=(kh, kw), stride=(sh, sw), padding=(ph, pw))
    if kind == "max":
        pool = lambda t: F.max_pool2d(t, dilation=(dh, dw), **conf)  # noqa: E731
        expected = _pool_reference(a, (kh, kw), (sh, sw), (ph, pw), (dh, dw), np.max, -np.inf)
    else:
        pool = lambda t: F.avg_pool2d(t, **conf)  # noqa: E731
        expected = _pool_reference(a, (kh, kw), (sh, sw), (ph, pw), (1, 1), np.mean, 0.0)
    if np.isneginf(expected).any():  # a dilated window that sees only padding
        with pytest.raises(ValueError, match=r"max_pool2d\(\): with kernel_size .* some windows "
                                             r"over input of shape .* hold only padding"):
            pool(x)
        return
    out = pool(x)
    assert out.shape == (1, 2, _out_size(h, kh, sh, ph, dh), _out_size(w, kw, sw, pw, dw))
    assert_close(out, expected, rtol=1e-12)
    _gradcheck(pool, x)


# -- reproducibility -------------------------------------------------------------------------------

def _seeded_run(seed):
    """A few steps of a tiny MLP with dropout on a shuffled DataLoader: losses and weights."""
    tb.manual_seed(seed)
    rng = np.random.default_rng(1234)  # the data is fixed; only the seed varies
    data = TensorDataset(rng.standard_normal((24, 6)).astype(np.float32),
                         rng.integers(0, 3, 24))
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(2):
        for x, t in DataLoader(data, batch_size=5, shuffle=True):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), t)
            loss.backward()
            opt.step()
            losses.append(loss.data.copy())
    return np.array(losses), model.state_dict()


@settings(max_examples=4, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 31 - 1))
def test_a_seeded_training_run_is_bit_for_bit_reproducible(seed):
    losses_a, state_a = _seeded_run(seed)
    tb.randn(100)  # whatever ran in between, manual_seed resets it
    losses_b, state_b = _seeded_run(seed)
    np.testing.assert_array_equal(losses_a, losses_b)
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key], err_msg=key)
    # The seed does matter: weights, dropout masks and batch order all come from it.
    losses_c, _ = _seeded_run(seed + 1)
    assert not np.array_equal(losses_a, losses_c)
