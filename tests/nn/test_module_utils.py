"""nn.utils: clip_grad_norm_ and clip_grad_value_, against hand computation and PyTorch."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g), dtype=np.float32))
        p.grad = tb.Tensor(np.asarray(g, dtype=np.float32))
        params.append(p)
    return params


def test_clip_grad_norm_scales_jointly():
    a, b = params_with_grads([3.0, 0.0], [[4.0]])      # joint 2-norm 5
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert total.dtype == np.float32
    np.testing.assert_allclose(a.grad.data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b.grad.data, [[0.8]], rtol=1e-5)


def test_clip_grad_norm_leaves_small_gradients_and_skips_missing():
    (a,) = params_with_grads([0.3, 0.4])
    no_grad = nn.Parameter(np.zeros(2, np.float32))
    total = nn.utils.clip_grad_norm_([a, no_grad], max_norm=1.0)
    assert total.item() == pytest.approx(0.5)
    np.testing.assert_allclose(a.grad.data, [0.3, 0.4])
    assert nn.utils.clip_grad_norm_([no_grad], 1.0).item() == 0.0


def test_clip_grad_norm_inf_and_p1_norms():
    a, b = params_with_grads([-6.0, 1.0], [2.0])
    assert nn.utils.clip_grad_norm_([a, b], 3.0, norm_type=math.inf).item() == pytest.approx(6.0)
    np.testing.assert_allclose(a.grad.data, [-3.0, 0.5], rtol=1e-5)
    (c,) = params_with_grads([1.0, -1.0, 2.0])
    assert nn.utils.clip_grad_norm_(c, 8.0, norm_type=1).item() == pytest.approx(4.0)


def test_clip_grad_norm_errors():
    (a,) = params_with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* non-finite"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm must be non-negative, got -1.0"):
        nn.utils.clip_grad_norm_([a], -1.0)
    with pytest.raises(TypeError, match="parameters must be Tensors, got ndarray at position 0"):
        nn.utils.clip_grad_norm_([np.zeros(2)], 1.0)
    with pytest.raises(TypeError, match="clip_grad_norm_: max_norm must be a number, got str '1'"):
        nn.utils.clip_grad_norm_([a], "1")


def test_clip_grad_value_in_place():
    (a,) = params_with_grads([-3.0, 0.5, 2.0])
    arr = a.grad.data
    nn.utils.clip_grad_value_([a], 1.0)
    assert a.grad.data is arr
    np.testing.assert_array_equal(arr, [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="clip_value must be non-negative"):
        nn.utils.clip_grad_value_([a], -0.1)


def test_clip_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4,), (2, 2, 2))]
    for norm_type in (2.0, 1.0, 3.5, math.inf):
        ours = params_with_grads(*grads)
        theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for t, g in zip(theirs, grads, strict=True):
            t.grad = torch.from_numpy(g.copy())
        total = nn.utils.clip_grad_norm_(ours, 0.7, norm_type=norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type=norm_type)
        assert total.item() == pytest.approx(expected.item(), rel=1e-5)
        for p, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-5, atol=1e-7)
