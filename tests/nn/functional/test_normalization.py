"""batch_norm and local_response_norm: values, running statistics, gradients, parity, errors."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor, no_grad
from tinygrad_book.testing import assert_close, assert_gradcheck


def rand(*shape, seed=0, low=-1.0, high=1.0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


def test_training_output_is_normalised_per_channel():
    x = rand(8, 3, 4, 4) * 5 + 2
    y = F.batch_norm(Tensor(x), None, None, training=True, eps=0.0).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-10)


def test_training_matches_the_books_formula_with_affine():
    x, gamma, beta = rand(6, 4), rand(4, seed=1), rand(4, seed=2)
    mu, var = x.mean(axis=0), x.var(axis=0)
    expected = gamma * (x - mu) / np.sqrt(var + 1e-5) + beta   # book eq. 6.7 then 6.8
    y = F.batch_norm(Tensor(x), None, None, Tensor(gamma), Tensor(beta), training=True)
    assert_close(y, expected, rtol=1e-12)


def test_running_stats_update_in_place_with_unbiased_variance():
    x = rand(5, 2, 3, 3, seed=3)
    mean_buf, var_buf = Tensor(np.zeros(2)), np.ones(2)
    arrays = mean_buf.data, var_buf
    F.batch_norm(Tensor(x), mean_buf, var_buf, training=True, momentum=0.25)
    assert mean_buf.data is arrays[0] and var_buf is arrays[1]
    m = x.size // 2
    assert_close(mean_buf, 0.25 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    assert_close(var_buf, 0.75 + 0.25 * x.var(axis=(0, 2, 3)) * m / (m - 1), rtol=1e-12)


def test_eval_uses_running_statistics():
    x, rm, rv = rand(4, 3), rand(3, seed=1), rand(3, seed=2, low=0.5, high=2.0)
    w, b = rand(3, seed=3), rand(3, seed=4)
    y = F.batch_norm(Tensor(x), rm, rv, Tensor(w), Tensor(b), training=False, eps=1e-3)
    assert_close(y, (x - rm) / np.sqrt(rv + 1e-3) * w + b, rtol=1e-12)
    before = rm.copy()
    F.batch_norm(Tensor(x), rm, rv, training=False)
    np.testing.assert_array_equal(rm, before)


def test_float32_stays_float32_and_buffers_keep_their_dtype():
    x = Tensor(rand(4, 3, 2, 2, dtype=np.float32), requires_grad=True)
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    y = F.batch_norm(x, rm, rv, w, None, training=True)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == rm.dtype == rv.dtype == np.float32


def test_backward_is_one_fused_node():
    x = Tensor(rand(4, 3), requires_grad=True)
    y = F.batch_norm(x, None, None, Tensor(np.ones(3), requires_grad=True), None, training=True)
    assert y.grad_fn.name() == "BatchNormBackward"
    assert y.grad_fn.next[0][0] is x   # straight from the input: no chain of elementwise ops


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 3, 2), (2, 3, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_training_gradgradcheck(shape, affine):
    c = shape[1]
    if affine:
        assert_gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         shape, (c,), (c,), second_order=True)
    else:
        assert_gradcheck(lambda x: F.batch_norm(x, None, None, training=True), shape,
                         second_order=True)


def test_eval_gradgradcheck():
    rm, rv = rand(3, seed=5), rand(3, seed=6, low=0.5, high=2.0)
    assert_gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False),
                     (2, 3, 2, 2), (3,), (3,), second_order=True)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 3, 2)])
def test_running_stats_and_gradients_match_torch_over_several_steps(shape):
    torch = pytest.importorskip("torch")
    c = shape[1]
    rm, rv = np.zeros(c), np.ones(c)
    rm_t, rv_t = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    w, b = Tensor(rand(c, seed=1), requires_grad=True), Tensor(rand(c, seed=2), requires_grad=True)
    w_t = torch.tensor(w.data.copy(), requires_grad=True)
    b_t = torch.tensor(b.data.copy(), requires_grad=True)
    for step in range(4):
        x = rand(*shape, seed=10 + step) * (step + 1) + step
        g = rand(*shape, seed=20 + step)
        xs, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y = F.batch_norm(xs, rm, rv, w, b, training=True, momentum=0.3, eps=1e-4)
        yt = torch.nn.functional.batch_norm(xt, rm_t, rv_t, w_t, b_t, training=True,
                                            momentum=0.3, eps=1e-4)
        y.backward(Tensor(g))
        yt.backward(torch.tensor(g))
        assert_close(y, yt.detach().numpy(), rtol=1e-5, msg=f"step {step} forward: ")
        assert_close(xs.grad, xt.grad.numpy(), rtol=1e-5, atol=1e-10, msg=f"step {step} dx: ")
    assert_close(rm, rm_t.numpy(), rtol=1e-5)
    assert_close(rv, rv_t.numpy(), rtol=1e-5)
    assert_close(w.grad, w_t.grad.numpy(), rtol=1e-5)
    assert_close(b.grad, b_t.grad.numpy(), rtol=1e-5)
    x = rand(*shape, seed=99)
    y = F.batch_norm(Tensor(x), rm, rv, w, b, training=False)
    yt = torch.nn.functional.batch_norm(torch.tensor(x), rm_t, rv_t, w_t, b_t, training=False)
    assert_close(y, yt.detach().numpy(), rtol=1e-5)


def test_one_value_per_channel_in_training_is_an_error_like_torch():
    rm = np.zeros(3)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size \(1, 3\)"):
        F.batch_norm(Tensor(np.ones((1, 3))), rm, np.ones(3), training=True)
    np.testing.assert_array_equal(rm, 0)   # nothing half-updated
    F.batch_norm(Tensor(np.ones((1, 3))), rm, np.ones(3), training=False)   # fine in eval


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.batch_norm(x, np.zeros(4), np.ones(3), training=True), ValueError,
     r"running_mean must have shape \(3,\) \(one per channel\), got \(4,\)"),
    (lambda x: F.batch_norm(x, None, None, Tensor(np.ones(2)), training=True), ValueError,
     r"weight must have shape \(3,\) for input of shape \(4, 3\), got \(2,\)"),
    (lambda x: F.batch_norm(x, None, None, training=False), ValueError,
     r"running_mean and running_var are required when training=False"),
    (lambda x: F.batch_norm(x[0], None, None, training=True), ValueError,
     r"expected an \(N, C\) or \(N, C, \.\.\.\) input, got shape \(3,\)"),
    (lambda x: F.batch_norm(x, [0, 0, 0], np.ones(3), training=True), TypeError,
     r"running_mean must be a floating point Tensor or array, got list"),
    (lambda x: F.batch_norm(x, None, None, training=True, momentum=1.5), ValueError,
     r"batch_norm\(\): momentum must be between 0.0 and 1.0, got 1.5"),
    (lambda x: F.batch_norm(x, np.zeros(3), np.ones(3), training=True, momentum=None), TypeError,
     r"momentum must be a number in \[0, 1\], got None \(for a cumulative average pass"),
    (lambda x: F.batch_norm(x, None, None, training=True, eps="1e-5"), TypeError,
     r"batch_norm\(\): eps must be a number, got str '1e-5'"),
])
def test_batch_norm_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((4, 3))))


# -- local response normalization -----------------------------------------------------------

def test_lrn_matches_alexnets_formula():
    x = rand(2, 5, 3, 3)
    size, alpha, beta, k = 3, 0.1, 0.75, 2.0
    y = F.local_response_norm(Tensor(x), size, alpha, beta, k).data
    expected = np.empty_like(x)
    for c in range(5):
        lo, hi = max(0, c - size // 2), min(5, c + (size - 1) // 2 + 1)
        expected[:, c] = x[:, c] / (k + alpha / size * (x[:, lo:hi] ** 2).sum(axis=1)) ** beta
    np.testing.assert_allclose(y, expected, rtol=1e-12)


@pytest.mark.parametrize("size, alpha, beta, k", [(2, 1e-4, 0.75, 1.0), (3, 0.5, 0.5, 2.0),
                                                  (5, 1e-2, 0.75, 1.0)])
def test_lrn_matches_torch(size, alpha, beta, k, torch_parity):
    torch = pytest.importorskip("torch")
    for shape in [(2, 6, 3, 3), (2, 4, 5)]:
        torch_parity(lambda t: F.local_response_norm(t, size, alpha, beta, k),
                     lambda t: torch.nn.functional.local_response_norm(t, size, alpha, beta, k),
                     [rand(*shape) * 3])


def test_lrn_gradgradcheck():
    assert_gradcheck(lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0),
                     (1, 4, 2, 2), second_order=True)


def test_lrn_errors():
    with pytest.raises(ValueError, match=r"expected an input with 3 or more dimensions"):
        F.local_response_norm(Tensor(np.ones((2, 3))), 2)
    with pytest.raises(ValueError, match=r"size must be positive, got 0"):
        F.local_response_norm(Tensor(np.ones((2, 3, 2))), 0)


@pytest.mark.parametrize("shape", [(100, 100), (7, 5), (6, 4, 3)])
def test_float32_results_are_as_close_to_float64_as_torchs_float32(shape):
    # The (N, C) path sums columns with a BLAS product: its float32 error must stay of
    # PyTorch's size (the same rounding), with an offset mean that punishes cancellation.
    torch = pytest.importorskip("torch")
    c = shape[1]
    x64 = rand(*shape, seed=3) * 4 + 30
    g64 = rand(*shape, seed=4)
    w64, b64 = rand(c, seed=5, low=0.5, high=2), rand(c, seed=6)

    def run_torch(dtype):
        xt = torch.tensor(x64, dtype=dtype, requires_grad=True)
        wt = torch.tensor(w64, dtype=dtype, requires_grad=True)
        bt = torch.tensor(b64, dtype=dtype, requires_grad=True)
        rm, rv = torch.zeros(c, dtype=dtype), torch.ones(c, dtype=dtype)
        y = torch.nn.functional.batch_norm(xt, rm, rv, wt, bt, training=True)
        y.backward(torch.tensor(g64, dtype=dtype))
        return [a.detach().double().numpy() for a in (y, xt.grad, wt.grad, bt.grad, rm, rv)]

    xs = Tensor(x64.astype(np.float32), requires_grad=True)
    w = Tensor(w64.astype(np.float32), requires_grad=True)
    b = Tensor(b64.astype(np.float32), requires_grad=True)
    rm, rv = np.zeros(c, np.float32), np.ones(c, np.float32)
    y = F.batch_norm(xs, rm, rv, w, b, training=True)
    y.backward(Tensor(g64.astype(np.float32)))
    ours = [y.data, xs.grad.data, w.grad.data, b.grad.data, rm, rv]
    assert all(a.dtype == np.float32 for a in ours)
    names = ("output", "dx", "dweight", "dbias", "running_mean", "running_var")
    results = zip(names, ours, run_torch(torch.float32), run_torch(torch.float64), strict=True)
    for name, a, t32, t64 in results:
        scale = np.abs(t64).max()
        ours_err = np.abs(a - t64).max() / scale
        torch_err = np.abs(t32 - t64).max() / scale
        assert ours_err <= 4 * torch_err + 1e-6, (name, ours_err, torch_err)


@pytest.mark.parametrize("changed", ["input", "weight"])
def test_an_in_place_change_after_forward_is_caught_in_backward(changed):
    # x - mu and 1/sigma are the op's own arrays, but x and weight are still version-checked.
    x = Tensor(rand(6, 3, dtype=np.float32), requires_grad=True)
    h = x * 1.0
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = F.batch_norm(h, None, None, w, None, training=True)
    with no_grad():
        (h if changed == "input" else w).add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_a_second_backward_through_batch_norm_says_the_arrays_were_freed():
    x = Tensor(rand(6, 3, dtype=np.float32), requires_grad=True)
    y = F.batch_norm(x, None, None, training=True).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="a second time"):
        y.backward()


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 2, 2)])
def test_float16_takes_the_reductions_without_blas_and_stays_float16(shape):
    x64, g64 = rand(*shape, seed=1) * 3 + 1, rand(*shape, seed=2)
    results = {}
    for dtype in (np.float16, np.float64):
        x = Tensor(x64.astype(dtype), requires_grad=True)
        w = Tensor(np.full(shape[1], 1.5, dtype), requires_grad=True)
        y = F.batch_norm(x, np.zeros(shape[1], dtype), np.ones(shape[1], dtype), w, None,
                         training=True)
        y.backward(Tensor(g64.astype(dtype)))
        assert y.dtype == x.grad.dtype == w.grad.dtype == dtype
        results[dtype] = (y.data, x.grad.data, w.grad.data)
    for half, full in zip(results[np.float16], results[np.float64], strict=True):
        assert_close(half.astype(np.float64), full, rtol=2e-2, atol=2e-2)
