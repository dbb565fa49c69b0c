"""l1, smooth L1, Huber and KL-divergence losses (and cross_entropy's PyTorch options):
parity with PyTorch over every reduction, and gradchecks."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _pair():
    x, y = rand(4, 5), rand(4, 5, seed=1)
    return x, y


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kw", [("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
                                     ("smooth_l1_loss", {"beta": 0.0}),
                                     ("huber_loss", {"delta": 0.6})])
def test_regression_losses_match_torch(torch_parity, name, kw, reduction):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    torch_parity(lambda x, y: ours(x, y, reduction=reduction, **kw),
                 lambda x, y: theirs(x, y, reduction=reduction, **kw), list(_pair()))


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(torch_parity, reduction, log_target):
    torch = pytest.importorskip("torch")
    logq = np.log(np.random.default_rng(0).dirichlet(np.ones(5), size=3))
    p = np.random.default_rng(1).dirichlet(np.ones(5), size=3)
    p[0, 1] = 0.0    # a zero-probability target contributes nothing
    target = np.log(p + 1e-3) if log_target else p
    kw = dict(reduction=reduction, log_target=log_target)
    with pytest.warns(UserWarning) if reduction == "mean" else _nothing():
        torch_parity(lambda x, t: F.kl_div(x, t, **kw),
                     lambda x, t: torch.nn.functional.kl_div(x, t, **kw), [logq, target],
                     grad=[True, log_target])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_targets_and_weights_match_torch(torch_parity, smoothing,
                                                                   weighted):
    torch = pytest.importorskip("torch")
    x = rand(4, 3)
    probs = np.random.default_rng(2).dirichlet(np.ones(3), size=4)
    w = np.array([0.5, 1.0, 2.0])
    kw = dict(label_smoothing=smoothing)
    torch_parity(lambda x, t, *w: F.cross_entropy(x, t, *w, **kw),
                 lambda x, t, *w: torch.nn.functional.cross_entropy(x, t, *w, **kw),
                 [x, probs] + ([w] if weighted else []), grad=[True, True, False][:2 + weighted])
    labels = np.array([0, 2, 1, 2])
    torch_parity(lambda x, t, *w: F.cross_entropy(x, t, *w, **kw),
                 lambda x, t, *w: torch.nn.functional.cross_entropy(x, t, *w, **kw),
                 [x, labels] + ([w] if weighted else []), grad=[True, False, False][:2 + weighted])
    logp = rand(4, 3, seed=3)
    torch_parity(lambda x, t, *w: F.nll_loss(x, t, *w),
                 lambda x, t, *w: torch.nn.functional.nll_loss(x, t, *w),
                 [logp, labels] + ([w] if weighted else []),
                 grad=[True, False, False][:2 + weighted])


def test_gradchecks():
    assert_gradcheck(lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), (3, 4), (3, 4), seed=1)
    assert_gradcheck(lambda x, y: F.huber_loss(x, y, delta=0.5), (3, 4), (3, 4), seed=1)
    assert_gradcheck(lambda x, y: F.l1_loss(x, y, reduction="sum"), (3, 4), (3, 4), seed=1)
    assert_gradcheck(lambda x, t: F.kl_div(x, t.abs() + 0.1, reduction="batchmean"), (3, 4),
                     (3, 4))
    assert_gradcheck(lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True), (3, 4),
                     (3, 4), second_order=True)


def test_bad_arguments():
    x = Tensor(rand(2, 3))
    with pytest.raises(ValueError, match="batchmean"):
        F.kl_div(x, x, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        F.l1_loss(x, x, reduction="batchmean")
    with pytest.raises(ValueError, match="must match"):
        F.huber_loss(x, Tensor(rand(3, 2)))
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
