"""cross_entropy, nll_loss, mse_loss, binary_cross_entropy_with_logits."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor, no_grad
from tinygrad_book.testing import assert_close, assert_gradcheck


def rand(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def labels(n, classes, seed=0):
    return np.random.default_rng(seed).integers(0, classes, n)


def test_cross_entropy_is_the_books_softmax_with_loss():
    x, t = rand(4, 3), np.array([0, 2, 1, 2])
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    expected = -np.log(p[np.arange(4), t]).mean()          # book eq. 4.3, batch-averaged
    xs = Tensor(x, requires_grad=True)
    loss = F.cross_entropy(xs, Tensor(t))
    assert_close(loss, np.array(expected), rtol=1e-12)
    loss.backward()
    onehot = np.eye(3)[t]
    assert_close(xs.grad, (p - onehot) / 4, rtol=1e-12)    # the book's (y - t) / N
    assert loss.grad_fn.name() == "CrossEntropyBackward"   # one fused node


def test_cross_entropy_is_stable_for_logits_of_1e4():
    x = Tensor(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], np.float32), requires_grad=True)
    loss = F.cross_entropy(x, Tensor([0, 2]))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert_close(loss, np.array(np.log(2) / 2, np.float32), rtol=1e-6)
    assert_close(x.grad, np.array([[0, 0, 0], [0, 0.25, -0.25]], np.float32), atol=1e-7)
    wrong = F.cross_entropy(Tensor(np.array([[-1e4, 1e4]], np.float32)), Tensor([0]))
    assert_close(wrong, np.array(2e4, np.float32), rtol=1e-6)


CE_CASES = [dict(), dict(reduction="sum"), dict(reduction="none"), dict(label_smoothing=0.2),
            dict(label_smoothing=0.1, reduction="none"), dict(ignore_index=1)]


@pytest.mark.parametrize("kwargs", CE_CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_class_targets_match_torch(kwargs, weighted, torch_parity):
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(7).uniform(0.5, 2.0, 4) if weighted else None
    ours_w = None if w is None else Tensor(w)
    theirs_w = None if w is None else torch.tensor(w)
    t = labels(6, 4)
    t[0] = 1
    torch_parity(lambda x, tt: F.cross_entropy(x, tt, weight=ours_w, **kwargs),
                 lambda x, tt: torch.nn.functional.cross_entropy(x, tt, weight=theirs_w, **kwargs),
                 [rand(6, 4), t])


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="none"), dict(label_smoothing=0.3)])
def test_cross_entropy_spatial_and_unbatched_match_torch(kwargs, torch_parity):
    torch = pytest.importorskip("torch")
    fn = lambda x, t: F.cross_entropy(x, t, **kwargs)                       # noqa: E731
    ref = lambda x, t: torch.nn.functional.cross_entropy(x, t, **kwargs)    # noqa: E731
    torch_parity(fn, ref, [rand(2, 3, 4, 2), labels((2, 4, 2), 3)])
    torch_parity(fn, ref, [rand(5), np.array(3)])


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="sum"), dict(reduction="none"),
                                    dict(label_smoothing=0.25)])
def test_cross_entropy_probability_targets_match_torch_including_target_grad(kwargs,
                                                                             torch_parity):
    torch = pytest.importorskip("torch")
    probs = np.random.default_rng(1).dirichlet(np.ones(4), 5)
    w = np.random.default_rng(2).uniform(0.5, 2.0, 4)
    torch_parity(lambda x, p: F.cross_entropy(x, p, weight=Tensor(w), **kwargs),
                 lambda x, p: torch.nn.functional.cross_entropy(x, p, weight=torch.tensor(w),
                                                                **kwargs),
                 [rand(5, 4), probs])


def test_cross_entropy_gradgradcheck():
    assert_gradcheck(lambda x: F.cross_entropy(x, Tensor([0, 3, 1]), label_smoothing=0.1),
                     (3, 4), second_order=True)
    assert_gradcheck(lambda x, p: F.cross_entropy(x, F.softmax(p, dim=1), reduction="none"),
                     (3, 4), (3, 4), second_order=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_without_weights_or_smoothing_gradgradcheck(reduction):
    # The common case has its own forward, on the transposed logits.
    assert_gradcheck(lambda x: F.cross_entropy(x, Tensor([0, 3, 1]), reduction=reduction),
                     (3, 4), second_order=True)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_float32_mlp_logits_match_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((100, 10)) * 5).astype(np.float32)
    t = rng.integers(0, 10, 100)
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    loss = F.cross_entropy(ours, Tensor(t), reduction=reduction)
    ref = torch.nn.functional.cross_entropy(theirs, torch.tensor(t), reduction=reduction)
    loss.sum().backward()
    ref.sum().backward()
    assert loss.dtype == np.float32 and ours.grad.dtype == np.float32
    assert_close(loss, ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert_close(ours.grad, theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch(reduction, torch_parity):
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(3).uniform(0.5, 2.0, 4)
    t = labels(6, 4)
    t[2] = -100
    torch_parity(lambda x, tt: F.nll_loss(x, tt, weight=Tensor(w), reduction=reduction),
                 lambda x, tt: torch.nn.functional.nll_loss(x, tt, weight=torch.tensor(w),
                                                            reduction=reduction),
                 [rand(6, 4), t])
    torch_parity(lambda x, tt: F.nll_loss(x, tt, reduction=reduction),
                 lambda x, tt: torch.nn.functional.nll_loss(x, tt, reduction=reduction),
                 [rand(2, 4, 3), labels((2, 3), 4)])


def test_nll_of_log_softmax_equals_cross_entropy():
    x, t = Tensor(rand(5, 3)), Tensor(labels(5, 3))
    assert_close(F.nll_loss(F.log_softmax(x, dim=1), t), F.cross_entropy(x, t), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction, torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(lambda a, b: F.mse_loss(a, b, reduction=reduction),
                 lambda a, b: torch.nn.functional.mse_loss(a, b, reduction=reduction),
                 [rand(3, 4), rand(3, 4, seed=1)])


def test_mse_sum_is_twice_the_books_sum_of_squares():
    y, t = rand(10), rand(10, seed=1)
    assert_close(F.mse_loss(Tensor(y), Tensor(t), reduction="sum") * 0.5,
                 np.array(0.5 * np.sum((y - t) ** 2)), rtol=1e-12)   # book eq. 4.1


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="sum"), dict(reduction="none"),
                                    dict(pos_weight=np.array([0.5, 2.0, 1.0, 3.0])),
                                    dict(weight=np.array([1.0, 0.0, 2.0, 1.0]))])
def test_bce_with_logits_matches_torch(kwargs, torch_parity):
    torch = pytest.importorskip("torch")
    ours = {k: Tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    targets = np.random.default_rng(4).uniform(0, 1, (3, 4))
    torch_parity(lambda x, t: F.binary_cross_entropy_with_logits(x, t, **ours),
                 lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t, **theirs),
                 [rand(3, 4, scale=20.0), targets])


def test_bce_with_logits_stable_at_extremes_and_exact_at_zero():
    x = Tensor(np.array([1e4, -1e4, 0.0], np.float32), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, Tensor(np.array([1.0, 1.0, 1.0], np.float32)),
                                              reduction="none")
    assert_close(loss, np.array([0.0, 1e4, np.log(2)], np.float32), rtol=1e-6)
    loss.sum().backward()
    assert_close(x.grad, np.array([0.0, -1.0, -0.5], np.float32))


def test_loss_gradgradchecks():
    assert_gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t), (3, 4), (3, 4),
                     second_order=True)
    assert_gradcheck(lambda x, t: F.mse_loss(x, t), (3, 4), (3, 4), second_order=True)
    assert_gradcheck(lambda x: F.nll_loss(x, Tensor([1, 0, 2])), (3, 4), second_order=True)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.cross_entropy(x, Tensor(np.ones((3, 3)))), ValueError,
     r"a probability target must have the input's shape \(3, 4\), got \(3, 3\)"),
    (lambda x: F.cross_entropy(x, Tensor([0, 1, 2]), reduction="avg"), ValueError,
     r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda x: F.cross_entropy(x, Tensor([0, 1, 2]), label_smoothing=1.5), ValueError,
     r"label_smoothing must be between 0.0 and 1.0, got 1.5"),
    (lambda x: F.cross_entropy(x, Tensor([0, 1, 2]), label_smoothing="0.1"), TypeError,
     r"cross_entropy\(\): label_smoothing must be a number, got str '0.1'"),
])
def test_loss_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(rand(3, 4)))


@pytest.mark.parametrize("ignore_index", [-100, 0, 2, 9])
def test_cross_entropy_ignore_index_inside_or_outside_the_classes(ignore_index):
    """Targets all in range skip the mask only when ignore_index cannot be one of them."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    t = np.array([0, 1, 2, 3, 2, 1])
    xa = Tensor(x, requires_grad=True)
    loss = F.cross_entropy(xa, Tensor(t), ignore_index=ignore_index)
    loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(xt, torch.tensor(t), ignore_index=ignore_index)
    ref.backward()
    assert_close(loss, ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert_close(xa.grad, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_cross_entropy_catches_an_in_place_change_of_its_logits_and_a_second_backward():
    x = Tensor(rand(6, 4).astype(np.float32), requires_grad=True)
    h = x * 1.0
    loss = F.cross_entropy(h, Tensor([0, 1, 2, 3, 0, 1]))
    with no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    loss = F.cross_entropy(x, Tensor([0, 1, 2, 3, 0, 1]))
    loss.backward()
    with pytest.raises(RuntimeError, match="a second time"):
        loss.backward()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8, ">i8"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_common_case_matches_the_general_path(dtype, reduction):
    # label_smoothing as a NumPy float takes the general path, with all its checks.
    x = rand(7, 4).astype(np.float32)
    t = np.array([0, 3, 1, 2, 3, 0, 1]).astype(dtype)
    results = []
    for smoothing in (0.0, np.float64(0.0)):
        xs = Tensor(x, requires_grad=True)
        loss = F.cross_entropy(xs, Tensor(t), reduction=reduction, label_smoothing=smoothing)
        loss.sum().backward()
        results.append((loss.data, xs.grad.data))
    for fast, general in zip(results[0], results[1], strict=True):
        assert_close(fast, general, rtol=1e-6, atol=1e-7)
    for bad, shown in (([0, 3, 4], "4"), ([0, -1, 2], "-1" if dtype != np.uint8 else "255")):
        with pytest.raises(ValueError, match=f"target {shown} is out of bounds"):
            F.cross_entropy(Tensor(x[:3]), Tensor(np.array(bad).astype(dtype)))
