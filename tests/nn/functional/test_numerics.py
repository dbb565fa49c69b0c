"""Numerical stability of the graph ops: extreme logits, saturated activations, log of zero
probabilities, degenerate batches. Each gives finite values (and finite gradients), or the
result and warning / error PyTorch gives, in float32 and float64 alike — never a silent inf
or nan."""

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn

pytestmark = [pytest.mark.reliability,
              # Overflow or 0/0 inside an op would warn: in these tests that is a failure.
              pytest.mark.filterwarnings("error::RuntimeWarning")]


DTYPES = [np.float32, np.float64]


def _leaf(values, dtype):
    return tb.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


def _finite(*tensors):
    for t in tensors:
        assert np.isfinite(t.data).all(), t


LOGITS = [[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [5e3, 5e3, -1e4]]


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_log_softmax_of_huge_logits(dtype):
    x = _leaf(LOGITS, dtype)
    p = F.softmax(x, dim=1)
    np.testing.assert_array_equal(p.data, np.array([[1, 0, 0], [0, 0, 1], [0.5, 0.5, 0]], dtype))
    logp = F.log_softmax(x, dim=1)
    log2 = np.log(2)
    expected = np.array([[0, -2e4, -1e4], [-2e4, -2e4, 0], [-log2, -log2, -1.5e4 - log2]])
    np.testing.assert_allclose(logp.data, expected, rtol=1e-6)
    assert p.dtype == logp.dtype == dtype
    (p[:, 0].sum() + logp[:, 1].sum()).backward()
    _finite(x.grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_of_huge_logits_is_finite_with_the_exact_gradient(dtype):
    x = _leaf(LOGITS, dtype)
    t = tb.tensor([1, 2, 0])
    loss = F.cross_entropy(x, t)
    # Per item: 2e4 (the wrong class by 2e4), 0 (right, by 2e4), log 2 (a tie).
    np.testing.assert_allclose(loss.item(), (2e4 + 0 + np.log(2)) / 3, rtol=1e-6)
    loss.backward()
    softmax = np.array([[1, 0, 0], [0, 0, 1], [0.5, 0.5, 0]])
    onehot = np.eye(3)[[1, 2, 0]]
    np.testing.assert_allclose(x.grad.data, (softmax - onehot) / 3, atol=1e-7)
    assert loss.dtype == x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_probability_targets_that_hold_zeros(dtype):
    x = _leaf(LOGITS, dtype)
    target = tb.tensor(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), dtype=dtype)
    loss = F.cross_entropy(x, target, label_smoothing=0.1)
    loss.backward()
    _finite(loss, x.grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nll_of_log_softmax_and_logsumexp_stay_finite(dtype):
    x = _leaf(LOGITS, dtype)
    loss = F.nll_loss(F.log_softmax(x, dim=1), tb.tensor([1, 2, 0]))
    lse = x.logsumexp(axis=1)
    np.testing.assert_allclose(lse.data, [1e4, 1e4, 5e3 + np.log(2)], rtol=1e-6)
    (loss + lse.sum()).backward()
    _finite(loss, x.grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_logits_of_minus_infinity(dtype):
    x = tb.tensor(np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf]]), dtype=dtype)
    p = F.softmax(x[:1], dim=1)
    np.testing.assert_allclose(p.data, [[1 / (1 + np.e), 0, np.e / (1 + np.e)]], rtol=1e-6)
    np.testing.assert_array_equal(x.logsumexp(axis=1).data[1], -np.inf)  # not nan


@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_sigmoid_logsigmoid_tanh_gelu(dtype):
    x = _leaf([-1e3, -40.0, 0.0, 40.0, 1e3], dtype)
    s, ls, th, ge = x.sigmoid(), F.logsigmoid(x), x.tanh(), F.gelu(x)
    assert s.data[0] == 0 and s.data[-1] == 1 and s.data[2] == 0.5
    np.testing.assert_allclose(ls.data, [-1e3, -40.0, -np.log(2), -np.exp(-40.0), 0.0],
                               rtol=1e-6, atol=0)
    np.testing.assert_array_equal(th.data[[0, -1]], [-1, 1])
    np.testing.assert_array_equal(ge.data[[0, -1]], [0, 1e3])
    (s + ls + th + ge).sum().backward()
    _finite(s, ls, th, ge, x.grad)
    # d/dx log σ(x) = σ(-x): 1 far left, 0 far right.
    x.grad = None
    F.logsigmoid(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [1, 1, 0.5, np.exp(-40.0), 0], rtol=1e-6)
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsigmoid_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    values = np.array([-1e3, -88.0, -3.0, 0.0, 2.5, 88.0, 1e3])
    x = _leaf(values, dtype)
    y = F.logsigmoid(x)
    y.sum().backward()
    xt = torch.tensor(values.astype(dtype), requires_grad=True)
    yt = torch.nn.functional.logsigmoid(xt)
    yt.sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_of_saturated_scores(dtype):
    x = _leaf([-1e3, 1e3, -1e3, 1e3], dtype)
    t = tb.tensor(np.array([0.0, 1.0, 1.0, 0.0]), dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_array_equal(loss.data, [0, 0, 1e3, 1e3])
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, -1, 1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_of_probabilities_zero_and_one_is_clamped_as_pytorch(dtype):
    """log(0) is clamped to -100, so a certain, wrong prediction costs 100, not inf."""
    p = _leaf([0.0, 1.0, 0.0, 1.0, 0.25], dtype)
    t = tb.tensor(np.array([1.0, 0.0, 0.0, 1.0, 1.0]), dtype=dtype)
    loss = F.binary_cross_entropy(p, t, reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0, np.log(4)], rtol=1e-6)
    loss.sum().backward()
    _finite(p.grad)
    assert loss.dtype == p.grad.dtype == dtype
    # (p - t) / max(p (1 - p), 1e-12): a wrong certain prediction gets a huge, finite gradient.
    np.testing.assert_allclose(p.grad.data, [-1e12, 1e12, 0, 0, -4], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_matches_torch_forward_and_input_gradient(dtype):
    torch = pytest.importorskip("torch")
    p_values = np.array([0.0, 1.0, 0.1, 0.9, 0.5, 1e-30])
    t_values = np.array([1.0, 0.0, 0.0, 1.0, 0.3, 1.0])
    weight = np.array([1.0, 2.0, 0.5, 1.0, 1.0, 3.0])
    p = _leaf(p_values, dtype)
    loss = F.binary_cross_entropy(p, tb.tensor(t_values, dtype=dtype), weight=tb.tensor(
        weight, dtype=dtype))
    loss.backward()
    pt = torch.tensor(p_values.astype(dtype), requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy(pt, torch.tensor(t_values.astype(dtype)),
                                                  weight=torch.tensor(weight.astype(dtype)))
    lt.backward()
    np.testing.assert_allclose(loss.item(), lt.item(), rtol=1e-6)
    np.testing.assert_allclose(p.grad.data, pt.grad.numpy(), rtol=1e-5)
    assert nn.BCELoss()(tb.tensor([0.5]), tb.tensor([1.0])).item() == pytest.approx(np.log(2))


def _constant_batch_through_batchnorm(dtype):
    x = tb.tensor(np.full((4, 3, 2, 2), 7.0), dtype=dtype, requires_grad=True)
    bn = nn.BatchNorm2d(3, dtype=dtype)
    bn.weight.data[...] = [1.0, 2.0, 3.0]
    bn.bias.data[...] = [0.5, -1.0, 0.0]
    out = bn(x)
    g = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    (out * tb.tensor(g)).sum().backward()
    return x, bn, out, g


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_on_a_constant_batch_is_finite(dtype):
    """Variance 0: x̂ = 0/sqrt(0 + eps) = 0, so the output is β, and nothing divides by 0."""
    x, bn, out, _ = _constant_batch_through_batchnorm(dtype)
    np.testing.assert_array_equal(out.data[0, :, 0, 0], [0.5, -1.0, 0.0])
    assert (out.data == out.data[:1, :, :1, :1]).all()
    _finite(x.grad, bn.weight.grad, bn.bias.grad)
    np.testing.assert_array_equal(bn.weight.grad.data, [0, 0, 0])
    np.testing.assert_allclose(bn.running_var.data, [0.9] * 3, rtol=1e-6)  # var 0 folded in


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_on_a_constant_batch_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    x, bn, out, g = _constant_batch_through_batchnorm(dtype)
    twin = torch.nn.BatchNorm2d(3).to(getattr(torch, np.dtype(dtype).name))
    with torch.no_grad():
        twin.weight.copy_(torch.tensor([1.0, 2.0, 3.0]))
        twin.bias.copy_(torch.tensor([0.5, -1.0, 0.0]))
    xt = torch.tensor(np.full((4, 3, 2, 2), 7.0, dtype=dtype), requires_grad=True)
    out_t = twin(xt)
    (out_t * torch.from_numpy(g)).sum().backward()
    # PyTorch's float32 mean of equal values is off by an ulp, which 1/sqrt(eps) magnifies;
    # ours is exact. Both are finite and agree to that rounding.
    tol = 1e-3 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=tol)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-5, atol=tol)
    np.testing.assert_allclose(bn.running_var.data, twin.running_var.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_batch_of_one_is_pytorchs_error_in_training_and_fine_in_eval(dtype):
    bn = nn.BatchNorm1d(4, dtype=dtype)
    x = tb.tensor(np.ones((1, 4)), dtype=dtype)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected more than 1 value per channel "
                                         r"when training, got input of shape \(1, 4\)"):
        bn(x)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size \(1, 4\)"):
        F.batch_norm(x, None, None, training=True)
    assert int(bn.num_batches_tracked.data) == 0
    out = bn.eval()(x)
    np.testing.assert_allclose(out.data, np.full((1, 4), 1 / np.sqrt(1 + 1e-5)), rtol=1e-6)
