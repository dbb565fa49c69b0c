"""F.conv_transpose2d against PyTorch over every legal mix of stride, padding, dilation and
output_padding, forward and both gradients (issue 12, item 4: output_padding >= stride,
legal when the dilation is larger, used to drop the values of the last rows)."""
import itertools

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F

pytestmark = pytest.mark.reliability


def _configs():
    """Per-axis (stride, padding, dilation, output_padding) with output_padding < max(s, d)."""
    for s, p, d in itertools.product((1, 2, 3), (0, 1, 2), (1, 2, 3)):
        for op in range(max(s, d)):
            yield s, p, d, op


AXIS = list(_configs())


def test_minimal_case_from_the_issue():
    x = tb.Tensor(np.array([1, 2, 3, 4], np.float32).reshape(1, 1, 4, 1))
    w = tb.Tensor(np.array([1, 10], np.float32).reshape(1, 1, 2, 1))
    y = F.conv_transpose2d(x, w, stride=1, padding=(1, 0), output_padding=(1, 0),
                           dilation=(2, 1))
    np.testing.assert_array_equal(y.data.ravel(), [2, 13, 24, 30, 40])


def test_sweep_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    # Height sweeps every per-axis option; width takes one option each, in turn.
    checked = 0
    for i, (s, p, d, op) in enumerate(AXIS):
        sw, pw, dw, opw = AXIS[(7 * i + 3) % len(AXIS)]
        x = rng.standard_normal((2, 4, 4, 3))
        w = rng.standard_normal((4, 3, 2, 3))
        b = rng.standard_normal(6)
        kw = dict(stride=(s, sw), padding=(p, pw), output_padding=(op, opw), groups=2,
                  dilation=(d, dw))
        leaves = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        try:
            expected = torch.nn.functional.conv_transpose2d(*leaves, **kw)
        except RuntimeError:
            # An output size that is not positive: PyTorch refuses it, and so do we.
            with pytest.raises(ValueError, match="not positive"):
                F.conv_transpose2d(tb.Tensor(x), tb.Tensor(w), tb.Tensor(b), **kw)
            continue
        ours = [tb.Tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv_transpose2d(*ours, **kw)
        assert y.shape == tuple(expected.shape), kw
        np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10,
                                   err_msg=str(kw))
        g = rng.standard_normal(y.shape)
        y.backward(tb.Tensor(g))
        expected.backward(torch.tensor(g))
        for name, a, t in zip(("input", "weight", "bias"), ours, leaves, strict=True):
            np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-10,
                                       err_msg=f"{name} gradient, {kw}")
        checked += 1
    assert checked >= 60  # the few refused ones aside, every configuration was compared
