"""clip_grad_norm_ with float16 gradients and with a nan gradient, as PyTorch (issue 12.3)."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn

pytestmark = pytest.mark.reliability


def _params(*grads, dtype=np.float32):
    params = []
    for g in grads:
        p = tb.zeros(len(g), dtype=dtype, requires_grad=True)
        p.grad = tb.tensor(np.asarray(g, dtype=dtype))
        params.append(p)
    return params


def test_float16_gradients_of_300_are_not_zeroed_by_an_overflowing_norm():
    (p,) = _params([300.0, 0.0, 0.0], dtype=np.float16)
    norm = nn.utils.clip_grad_norm_([p], max_norm=1000.0)
    assert norm.dtype == np.float16 and norm.item() == 300.0
    np.testing.assert_array_equal(p.grad.numpy(), [300.0, 0.0, 0.0])


@pytest.mark.parametrize("grad,max_norm", [([300.0, 0.0, 0.0], 1.0), ([200.0, 300.0, 0.5], 10.0),
                                           ([60000.0, 60000.0, 0.0], 1.0)])
def test_float16_clipping_matches_pytorch(grad, max_norm):
    torch = pytest.importorskip("torch")
    (p,) = _params(grad, dtype=np.float16)
    pt = torch.zeros(3, dtype=torch.float16, requires_grad=True)
    pt.grad = torch.tensor(grad, dtype=torch.float16)
    norm = nn.utils.clip_grad_norm_([p], max_norm)
    ref = torch.nn.utils.clip_grad_norm_([pt], max_norm)
    assert norm.item() == pytest.approx(ref.item(), rel=1e-3)
    np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-3)


@pytest.mark.parametrize("max_norm", [1.0, 1e9])
def test_a_nan_gradient_makes_every_gradient_nan_as_pytorch(max_norm):
    a, b = _params([math.nan, 1.0], [1.0, 2.0])
    norm = nn.utils.clip_grad_norm_([a, b], max_norm, error_if_nonfinite=False)
    assert math.isnan(norm.item())
    assert np.isnan(a.grad.numpy()).all() and np.isnan(b.grad.numpy()).all()


def test_a_nan_gradient_with_error_if_nonfinite_raises_and_changes_nothing():
    a, b = _params([math.nan, 1.0], [1.0, 2.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])
