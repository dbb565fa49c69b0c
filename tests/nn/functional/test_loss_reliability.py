"""Cross-entropy and NLL at -inf logits, nan in ignored rows and all-ignored batches
(issue 12.1)."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn
from tinygrad_book.testing import assert_gradcheck

pytestmark = pytest.mark.reliability


def _ce(x, t, **kw):
    x = tb.tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    loss = F.cross_entropy(x, tb.tensor(np.asarray(t)), **kw)
    loss.backward()
    return loss, x.grad


def _torch_ce(x, t, fn="cross_entropy", **kw):
    torch = pytest.importorskip("torch")
    x = torch.tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    loss = getattr(torch.nn.functional, fn)(x, torch.tensor(np.asarray(t)), **kw)
    loss.backward()
    return loss.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.1), dict(weight=[1.0, 2.0, 0.5])])
def test_minus_inf_logit_gives_pytorchs_finite_loss_and_gradient(kw):
    x, t = [[-math.inf, 0.0, 1.0], [0.5, -math.inf, 2.0]], [1, 2]
    torch = pytest.importorskip("torch")
    w = kw.pop("weight", None)
    loss, grad = _ce(x, t, weight=None if w is None else tb.tensor(np.float32(w)), **kw)
    ref_loss, ref_grad = _torch_ce(x, t, weight=None if w is None else torch.tensor(w), **kw)
    np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-6)  # inf with smoothing, as torch
    np.testing.assert_allclose(grad.numpy(), ref_grad, rtol=1e-5, atol=1e-7)
    assert np.isfinite(grad.numpy()).all()


def test_the_issues_example_gives_1_3133():
    loss, _ = _ce([[-math.inf, 0.0, 1.0]], [1])
    assert loss.item() == pytest.approx(1.3133, abs=1e-4)


@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.2), dict(reduction="sum")])
def test_ignored_row_with_nan_logits_does_not_poison_the_loss(kw):
    x, t = [[1.0, 2.0, 3.0], [math.nan, 0.0, 1.0], [0.0, 0.0, 5.0]], [0, -100, 2]
    loss, grad = _ce(x, t, **kw)
    ref_loss, ref_grad = _torch_ce(x, t, **kw)
    np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-6)
    # PyTorch's unfused log_softmax backward gives nan for the ignored row; ours gives the
    # true derivative, 0 (the loss does not depend on that row).
    np.testing.assert_allclose(grad.numpy()[[0, 2]], ref_grad[[0, 2]], rtol=1e-5, atol=1e-7)
    assert (grad.numpy()[1] == 0).all()


@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.2), dict(weight=[1.0, 2.0, 3.0])])
def test_all_ignored_gives_nan_loss_and_zero_gradient_as_pytorch(kw):
    x, t = [[1.0, 2.0, 3.0], [4.0, 0.0, 1.0]], [-100, -100]
    w = kw.pop("weight", None)
    loss, grad = _ce(x, t, weight=None if w is None else tb.tensor(np.float32(w)), **kw)
    ref_loss, ref_grad = _torch_ce(x, t, weight=None if w is None else
                                   pytest.importorskip("torch").tensor(w), **kw)
    assert math.isnan(loss.item()) and math.isnan(float(ref_loss))
    np.testing.assert_array_equal(grad.numpy(), ref_grad)
    assert (grad.numpy() == 0).all()


def test_cross_entropy_loss_module_is_finite_on_the_same_cases():
    crit = nn.CrossEntropyLoss(ignore_index=7)
    x = tb.tensor([[-math.inf, 0.0, 1.0], [math.nan, 1.0, 1.0]], requires_grad=True)
    loss = crit(x, tb.tensor([1, 7]))
    loss.backward()
    assert loss.item() == pytest.approx(1.3133, abs=1e-4)
    assert np.isfinite(x.grad.numpy()).all()


def test_nll_loss_ignored_nan_row_and_all_ignored_match_pytorch():
    x, t = [[1.0, 2.0, 3.0], [math.nan, 0.0, 1.0]], [0, -100]
    xt = tb.tensor(np.float32(x), requires_grad=True)
    loss = F.nll_loss(xt, tb.tensor(t))
    loss.backward()
    ref_loss, ref_grad = _torch_ce(x, t, fn="nll_loss")
    assert loss.item() == pytest.approx(float(ref_loss))
    np.testing.assert_array_equal(xt.grad.numpy(), ref_grad)
    xt = tb.tensor(np.float32(x), requires_grad=True)
    loss = nn.NLLLoss()(xt, tb.tensor([-100, -100]))
    loss.backward()
    assert math.isnan(loss.item()) and (xt.grad.numpy() == 0).all()


def test_nll_of_minus_inf_log_probability_elsewhere_is_finite():
    xt = tb.tensor([[-math.inf, -0.5, -1.0]], requires_grad=True)
    loss = F.nll_loss(xt, tb.tensor([1]))
    loss.backward()
    assert loss.item() == 0.5
    np.testing.assert_array_equal(xt.grad.numpy(), [[0.0, -1.0, 0.0]])


def test_fused_cross_entropy_is_twice_differentiable_with_weight_and_ignore():
    w = tb.tensor([0.5, 2.0, 1.0, 1.5], dtype=np.float64)
    t = tb.tensor([0, 3, -100, 2])
    for kw in (dict(), dict(label_smoothing=0.2), dict(reduction="none")):
        assert_gradcheck(lambda x, kw=kw: F.cross_entropy(x, t, weight=w, **kw), (4, 4),
                         second_order=True)
