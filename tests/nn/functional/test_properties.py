"""Property-based tests (Hypothesis) of convolution and pooling: for random window settings
the outputs have the size (H + 2P - D(K - 1) - 1) // S + 1, match a direct loop and pass
gradcheck. Examples are few and tiny, so the file stays within a few seconds.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_book.nn.functional as F
from tinygrad_book.testing import assert_close

pytestmark = pytest.mark.reliability



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
def test_conv2d_output_size_values_and_gradients_for_random_hyperparameters(prop, data, rows, cols,
                                                                            n, c, oc):
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = rows, cols
    x = prop.leaf(prop.data(data.draw, (n, c, h, w)))
    weight = prop.leaf(prop.data(data.draw, (oc, c, kh, kw)))
    bias = prop.leaf(prop.data(data.draw, (oc,)))
    conf = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    out = F.conv2d(x, weight, bias, **conf)
    assert out.shape == (n, oc, _out_size(h, kh, sh, ph, dh), _out_size(w, kw, sw, pw, dw))
    assert_close(out, _conv_reference(x.data, weight.data, bias.data, **conf), rtol=1e-10)
    prop.gradcheck(lambda a, b, c_: F.conv2d(a, b, c_, **conf), x, weight, bias)


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
def test_pooling_output_size_values_and_gradients_for_random_hyperparameters(prop, data, rows, cols,
                                                                             kind):
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = rows, cols
    if kind == "avg":  # avg_pool2d has no dilation; keep its padding within half the kernel
        dh = dw = 1
        ph, pw = min(ph, kh // 2), min(pw, kw // 2)
        h, w = max(h, kh - 2 * ph), max(w, kw - 2 * pw)
    # Distinct values: a max-pool window has one winner, so the gradient is defined.
    a = np.random.default_rng(data.draw(st.integers(0, 10_000))).permutation(
        2 * h * w).reshape(1, 2, h, w) * 0.1
    x = prop.leaf(a)
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
    prop.gradcheck(pool, x)
