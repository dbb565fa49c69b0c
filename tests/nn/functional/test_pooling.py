"""max_pool2d, avg_pool2d, adaptive_avg_pool2d: the book's example, tie rule, gradients, parity."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


def naive_max_pool(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return out


def test_book_max_pooling_example():
    # Book figure 7-14: 2x2 max pooling, stride 2, over a 4x4 input.
    x = np.array([[1, 2, 1, 0],
                  [0, 1, 2, 3],
                  [3, 0, 1, 2],
                  [2, 4, 0, 1]], dtype=np.float32)[None, None]
    y = F.max_pool2d(Tensor(x), 2, stride=2)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data[0, 0], [[2, 3], [4, 2]])


@pytest.mark.parametrize("k, s", [(2, 2), (3, 1), (3, 2), (2, 3)])
def test_max_pool_matches_loops_and_defaults_stride_to_kernel(k, s):
    x = rand(2, 3, 7, 8)
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), k, s).data, naive_max_pool(x, k, s))
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), k).data, naive_max_pool(x, k, k))


def test_max_pool_gradient_goes_to_the_arg_max_only():
    x = Tensor(np.array([[[[1., 5.], [3., 2.]]]]), requires_grad=True)
    F.max_pool2d(x, 2).backward(Tensor(np.array([[[[7.]]]])))
    np.testing.assert_array_equal(x.grad.data, [[[[0, 7], [0, 0]]]])


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = Tensor(np.ones((1, 1, 2, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[1, 0, 1, 0], [0, 0, 0, 0]]]])
    # Overlapping windows: each window picks its own first maximum; they add up.
    x = Tensor(np.ones((1, 1, 1, 3)), requires_grad=True)
    F.max_pool2d(x, (1, 2), stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[1, 1, 0]]]])


def test_max_pool_non_finite_gradient_reaches_only_the_arg_max():
    x = Tensor(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).backward(Tensor(np.array([[[[np.inf]]]])))
    np.testing.assert_array_equal(x.grad.data, [[[[0, np.inf], [0, 0]]]])


def test_max_pool_propagates_nan_and_picks_the_last_nan_like_torch():
    nan = np.nan
    x = Tensor(np.array([[[[1.0, nan, 3.0], [nan, 2.0, 0.0], [1.0, 1.0, 1.0]]]]),
               requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert np.isnan(y.data[0, 0, :, 0]).all() and np.isnan(y.data[0, 0, 0, 1])
    assert y.data[0, 0, 1, 1] == 2.0
    np.testing.assert_array_equal(idx.data, [[[[3, 1], [3, 4]]]])


def test_max_pool_padding_counts_as_minus_infinity():
    x = -np.ones((1, 1, 2, 2))
    y = F.max_pool2d(Tensor(x), 2, stride=1, padding=1)
    np.testing.assert_array_equal(y.data, -np.ones((1, 1, 3, 3)))
    # Even against -inf inputs the padding never wins: the gradient stays inside.
    x = Tensor(np.full((1, 1, 2, 2), -np.inf), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(idx.data, [[[[0, 1], [2, 3]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((1, 1, 2, 2)))


def test_max_pool_return_indices_are_flat_plane_positions():
    x = np.array([[[[0., 9., 1.], [2., 3., 8.], [7., 4., 5.]]]])
    y, idx = F.max_pool2d(Tensor(x), 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(y.data, [[[[9, 9], [7, 8]]]])
    np.testing.assert_array_equal(idx.data, [[[[1, 1], [6, 5]]]])


POOL_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
              dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
              dict(kernel_size=2, stride=1, dilation=2)]


@pytest.mark.parametrize("kwargs", POOL_CASES)
def test_max_pool_gradcheck(kwargs):
    assert_gradcheck(lambda x: F.max_pool2d(x, **kwargs), (1, 2, 5, 6), second_order=True)


@pytest.mark.parametrize("kwargs", POOL_CASES)
@pytest.mark.parametrize("rounded", [False, True], ids=["distinct", "ties"])
def test_max_pool_matches_torch(kwargs, rounded, torch_parity):
    torch = pytest.importorskip("torch")
    x = rand(2, 3, 7, 6)
    x = np.round(x * 2) if rounded else x
    torch_parity(lambda t: F.max_pool2d(t, **kwargs),
                 lambda t: torch.nn.functional.max_pool2d(t, **kwargs), [x])
    _, ours = F.max_pool2d(Tensor(x), return_indices=True, **kwargs)
    _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


AVG_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
             dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
             dict(kernel_size=2, stride=1, divisor_override=3)]


@pytest.mark.parametrize("kwargs", AVG_CASES)
def test_avg_pool_gradcheck(kwargs):
    assert_gradcheck(lambda x: F.avg_pool2d(x, **kwargs), (1, 2, 5, 6), second_order=True)


@pytest.mark.parametrize("kwargs", AVG_CASES)
def test_avg_pool_matches_torch(kwargs, torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(lambda t: F.avg_pool2d(t, **kwargs),
                 lambda t: torch.nn.functional.avg_pool2d(t, **kwargs), [rand(2, 3, 7, 6)])


def test_avg_pool_counts_padding_in_the_average_by_default():
    y = F.avg_pool2d(Tensor(np.ones((1, 1, 2, 2))), 2, stride=2, padding=1)
    np.testing.assert_array_equal(y.data, np.full((1, 1, 2, 2), 0.25))
    y = F.avg_pool2d(Tensor(np.ones((1, 1, 2, 2))), 2, stride=2, padding=1,
                     count_include_pad=False)
    np.testing.assert_array_equal(y.data, np.ones((1, 1, 2, 2)))


@pytest.mark.parametrize("size", [1, (2, 3), (3, 4), (5, 2), (None, 4)])
def test_adaptive_avg_pool_matches_torch(size, torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(lambda t: F.adaptive_avg_pool2d(t, size),
                 lambda t: torch.nn.functional.adaptive_avg_pool2d(t, size), [rand(2, 3, 7, 6)])


def test_adaptive_avg_pool_to_one_is_global_average():
    x = rand(2, 3, 4, 5)
    y = F.adaptive_avg_pool2d(Tensor(x), 1)
    np.testing.assert_allclose(y.data, x.mean(axis=(2, 3), keepdims=True))


@pytest.mark.parametrize("size", [1, 2, (3, 4)])
def test_adaptive_avg_pool_gradcheck(size):
    assert_gradcheck(lambda x: F.adaptive_avg_pool2d(x, size), (1, 2, 5, 6), second_order=True)


def test_pooling_keeps_float32():
    x = Tensor(rand(2, 3, 6, 6, dtype=np.float32), requires_grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 1, 1), F.adaptive_avg_pool2d(x, (4, 5))):
        x.grad = None
        y.sum().backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("call, message", [
    (lambda x: F.max_pool2d(x, 6), r"input of shape \(1, 1, 5, 5\) is smaller than the "
                                   r"kernel_size \(6, 6\)"),
    (lambda x: F.avg_pool2d(x[0], 2), r"avg_pool2d\(\): expected a 4-D .*got shape "
                                      r"\(1, 5, 5\)"),
])
def test_pooling_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(Tensor(np.zeros((1, 1, 5, 5))))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, dilation=2, ceil_mode=True),
                                    dict(kernel_size=(3, 2), stride=(1, 2), ceil_mode=True)])
def test_max_pool2d_without_grad_skips_the_argmax_but_not_the_maxima(kwargs):
    """No gradient needed (no_grad, or an input without requires_grad): the maxima alone,
    the same values (NaN and -inf included), and return_indices still works."""
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6)).astype(np.float32)
    x[0, 0, 1, 1], x[1, 2, 4:, :] = np.nan, -np.inf
    ref, ref_idx = F.max_pool2d(Tensor(x, requires_grad=True), return_indices=True, **kwargs)
    with tb.no_grad():
        out = F.max_pool2d(Tensor(x, requires_grad=True), **kwargs)
        out_i, idx = F.max_pool2d(Tensor(x), return_indices=True, **kwargs)
    plain = F.max_pool2d(Tensor(x), **kwargs)
    for o in (out, out_i, plain):
        np.testing.assert_array_equal(o.data, ref.data)
    np.testing.assert_array_equal(idx.data, ref_idx.data)
