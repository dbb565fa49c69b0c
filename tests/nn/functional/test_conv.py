"""conv2d, conv_transpose2d, im2col/col2im: the book's examples, gradients, parity, errors."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_close, assert_gradcheck


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


# The book's chapter 7 example (figures 7-3 to 7-6): a 4x4 input and a 3x3 filter.
BOOK_X = np.array([[1, 2, 3, 0],
                   [0, 1, 2, 3],
                   [3, 0, 1, 2],
                   [2, 3, 0, 1]], dtype=np.float32)
BOOK_W = np.array([[2, 0, 1],
                   [0, 1, 2],
                   [1, 0, 2]], dtype=np.float32)


def naive_conv(x, w, stride=1, padding=0):
    """Direct loops over output pixels: the definition, independent of im2col."""
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, oc, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out


# -- the book's worked examples ------------------------------------------------------------

def test_book_figure_filter_example():
    y = F.conv2d(Tensor(BOOK_X[None, None]), Tensor(BOOK_W[None, None]))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data[0, 0], [[15, 16], [6, 15]])


def test_book_figure_bias_example():
    y = F.conv2d(Tensor(BOOK_X[None, None]), Tensor(BOOK_W[None, None]), Tensor([3.0]))
    np.testing.assert_array_equal(y.data[0, 0], [[18, 19], [9, 18]])


def test_book_padding_example_keeps_4x4():
    y = F.conv2d(Tensor(BOOK_X[None, None]), Tensor(BOOK_W[None, None]), padding=1)
    np.testing.assert_array_equal(y.data[0, 0], [[7, 12, 10, 2],
                                                 [4, 15, 16, 10],
                                                 [10, 6, 15, 6],
                                                 [8, 10, 4, 3]])
    np.testing.assert_array_equal(y.data, naive_conv(BOOK_X[None, None], BOOK_W[None, None], 1, 1))


def test_book_stride_2_example_7x7_gives_3x3():
    x = np.tile(np.array([1, 2, 3, 0, 1, 2, 3], dtype=np.float32), (7, 1))
    x = (x + np.arange(7, dtype=np.float32)[:, None]) % 4
    y = F.conv2d(Tensor(x[None, None]), Tensor(BOOK_W[None, None]), stride=2)
    assert y.shape == (1, 1, 3, 3)  # (7 + 0 - 3) / 2 + 1 = 3, book eq. 7.1
    np.testing.assert_array_equal(y.data, naive_conv(x[None, None], BOOK_W[None, None], stride=2))


@pytest.mark.parametrize("h, k, s, p", [(28, 5, 1, 0), (28, 3, 1, 1), (7, 3, 2, 0), (8, 3, 2, 1),
                                        (5, 5, 1, 0), (6, 2, 3, 2)])
def test_output_size_is_books_formula(h, k, s, p):
    x = Tensor(np.zeros((1, 1, h, h), dtype=np.float32))
    y = F.conv2d(x, Tensor(np.zeros((2, 1, k, k), dtype=np.float32)), stride=s, padding=p)
    assert y.shape == (1, 2, (h + 2 * p - k) // s + 1, (h + 2 * p - k) // s + 1)


# -- im2col / col2im ---------------------------------------------------------------------------

def test_im2col_rows_are_the_receptive_fields_in_books_order():
    x = rand(2, 3, 5, 4)
    cols = F.im2col(Tensor(x), (3, 2), stride=(2, 1), padding=1).data
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (5 + 2 - 3) // 2 + 1, (4 + 2 - 2) // 1 + 1
    assert cols.shape == (2 * oh * ow, 3 * 3 * 2)
    for n in range(2):
        for i in range(oh):
            for j in range(ow):
                row = cols[n * oh * ow + i * ow + j]
                np.testing.assert_array_equal(row, xp[n, :, 2 * i:2 * i + 3, j:j + 2].reshape(-1))


def test_col2im_is_the_adjoint_of_im2col():
    x, shape = rand(2, 3, 6, 5), (2, 3, 6, 5)
    cols = F.im2col(Tensor(x), 3, stride=2, padding=1, dilation=1)
    c = rand(*cols.shape, seed=1)
    back = F.col2im(Tensor(c), shape, 3, stride=2, padding=1).data
    assert back.shape == shape
    assert np.isclose(np.sum(cols.data * c), np.sum(x * back))


def test_col2im_of_ones_counts_window_overlaps():
    cols = np.ones((1 * 2 * 2, 1 * 3 * 3))
    counts = F.col2im(Tensor(cols), (1, 1, 4, 4), 3).data[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_im2col_col2im_gradients_second_order():
    assert_gradcheck(lambda x: F.im2col(x, 2, stride=1, padding=1, dilation=2), (1, 2, 4, 4),
                     second_order=True)
    assert_gradcheck(lambda c: F.col2im(c, (1, 2, 3, 3), 2, padding=1), (16, 8), second_order=True)


def test_col2im_rejects_wrong_column_shape():
    with pytest.raises(ValueError, match=r"cols has shape \(5, 9\).*needs.*\(4, 9\)"):
        F.col2im(Tensor(np.zeros((5, 9))), (1, 1, 4, 4), 3)


def test_unfold_fold_match_torch(torch_parity):
    x = rand(2, 3, 5, 6)
    torch_parity(lambda t: F.unfold(t, (2, 3), dilation=1, padding=1, stride=2),
                 lambda t: __import__("torch").nn.functional.unfold(t, (2, 3), padding=1, stride=2),
                 [x])
    blocks = rand(2, 3 * 4, 9)
    torch_parity(lambda t: F.fold(t, (4, 4), 2, padding=0, stride=1),
                 lambda t: __import__("torch").nn.functional.fold(t, (4, 4), 2), [blocks])


# -- gradients ------------------------------------------------------------------------------------

CONV_CASES = [
    # (x shape, weight shape, stride, padding, dilation, groups)
    ((2, 2, 5, 5), (3, 2, 3, 3), 1, 0, 1, 1),
    ((2, 3, 6, 5), (2, 3, 2, 3), 2, 1, 1, 1),
    ((1, 4, 7, 6), (4, 2, 3, 2), (2, 1), (1, 0), (1, 2), 2),
    ((2, 2, 5, 5), (2, 1, 2, 2), 3, 2, 2, 2),
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation, groups", CONV_CASES)
def test_conv2d_gradcheck(xs, ws, stride, padding, dilation, groups):
    assert_gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups),
                     xs, ws, (ws[0],))


@pytest.mark.parametrize("xs, ws, stride, padding, dilation, groups", CONV_CASES[:3])
def test_conv2d_gradgradcheck(xs, ws, stride, padding, dilation, groups):
    xs = (1,) + xs[1:]
    assert_gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups),
                     xs, ws, (ws[0],), second_order=True)


TRANSPOSE_CASES = [
    # (x shape, weight shape, stride, padding, output_padding, groups, dilation)
    ((2, 2, 3, 3), (2, 3, 3, 3), 1, 0, 0, 1, 1),
    ((1, 4, 3, 2), (4, 1, 3, 3), 2, 1, 1, 2, 1),
    ((1, 2, 3, 3), (2, 2, 2, 2), (2, 3), (0, 1), (1, 2), 1, (2, 1)),
]


@pytest.mark.parametrize("xs, ws, stride, padding, out_pad, groups, dilation", TRANSPOSE_CASES)
def test_conv_transpose2d_gradgradcheck(xs, ws, stride, padding, out_pad, groups, dilation):
    assert_gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, out_pad,
                                                        groups, dilation),
                     xs, ws, (ws[1] * groups,), second_order=True)


def test_conv2d_input_grad_is_conv_transpose2d_of_output_grad():
    x, w = Tensor(rand(2, 3, 7, 6), requires_grad=True), Tensor(rand(4, 3, 3, 3, seed=1))
    g = rand(2, 4, 4, 3, seed=2)
    F.conv2d(x, w, stride=2, padding=1).backward(Tensor(g))
    expected = F.conv_transpose2d(Tensor(g), w, stride=2, padding=1, output_padding=(0, 1))
    assert expected.shape == x.shape
    assert_close(x.grad, expected, rtol=1e-12)


def test_conv2d_records_one_node_with_its_settings():
    y = F.conv2d(Tensor(rand(1, 1, 5, 5), requires_grad=True), Tensor(rand(2, 1, 3, 3)), stride=2)
    assert y.grad_fn.name() == "ConvolutionBackward"
    assert y.grad_fn.attrs == {"stride": (2, 2), "padding": (0, 0), "dilation": (1, 1),
                               "groups": 1}


def test_conv2d_keeps_float32():
    x = Tensor(rand(2, 3, 6, 6, dtype=np.float32), requires_grad=True)
    w = Tensor(rand(4, 3, 3, 3, dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    y.sum().backward()
    assert {y.dtype, x.grad.dtype, w.grad.dtype, b.grad.dtype} == {np.dtype(np.float32)}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv2d_padding_same_and_valid(torch_parity):
    x, w = rand(1, 2, 6, 5), rand(3, 2, 4, 3)   # even kernel: 'same' pads one more after
    y = F.conv2d(Tensor(x), Tensor(w), padding="same")
    assert y.shape == (1, 3, 6, 5)
    assert F.conv2d(Tensor(x), Tensor(w), padding="valid").shape == (1, 3, 3, 3)
    torch_parity(lambda a, b: F.conv2d(a, b, padding="same", dilation=(1, 2)),
                 lambda a, b: __import__("torch").nn.functional.conv2d(a, b, padding="same",
                                                                       dilation=(1, 2)),
                 [x, w])


# -- parity with PyTorch --------------------------------------------------------------------

@pytest.mark.parametrize("xs, ws, stride, padding, dilation, groups", CONV_CASES + [
    ((3, 1, 12, 12), (6, 1, 5, 5), 1, 0, 1, 1),
    ((2, 6, 9, 8), (6, 1, 3, 3), 2, 1, 1, 6),
    ((2, 4, 7, 8), (6, 2, 3, 2), 1, (1, 2), 2, 2),   # stride 1: input grad by flipped kernel
])
def test_conv2d_matches_torch(xs, ws, stride, padding, dilation, groups, torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups),
                 lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride, padding, dilation,
                                                            groups),
                 [rand(*xs), rand(*ws, seed=1), rand(ws[0], seed=2)])


@pytest.mark.parametrize("xs, ws, stride, padding, out_pad, groups, dilation", TRANSPOSE_CASES + [
    ((2, 3, 4, 5), (3, 2, 3, 3), 2, 1, 1, 1, 1),
    ((2, 4, 3, 3), (4, 3, 2, 3), (3, 2), (1, 0), (2, 0), 2, (1, 2)),
    ((2, 4, 4, 3), (4, 2, 3, 3), 1, 1, 0, 2, 2),     # stride 1 via the flipped kernel
    ((1, 2, 4, 3), (2, 3, 3, 2), 1, 0, 1, 1, 2),     # stride 1 + output_padding: col2im path
])
def test_conv_transpose2d_matches_torch(xs, ws, stride, padding, out_pad, groups, dilation,
                                        torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, out_pad, groups,
                                                    dilation),
                 lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, stride, padding,
                                                                      out_pad, groups, dilation),
                 [rand(*xs), rand(*ws, seed=1), rand(ws[1] * groups, seed=2)])


def test_conv2d_second_derivative_matches_torch():
    torch = pytest.importorskip("torch")
    x, w = rand(2, 2, 5, 5), rand(3, 2, 3, 3, seed=1)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    gx, = torch.autograd.grad(torch.nn.functional.conv2d(xt, wt, stride=2, padding=1)
                              .pow(2).sum(), xt, create_graph=True)
    gx.sin().sum().backward()
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    gX, = tb.grad((F.conv2d(X, W, stride=2, padding=1) ** 2).sum(), X, create_graph=True)
    gX.sin().sum().backward()
    assert_close(X.grad, xt.grad.numpy(), rtol=1e-10)
    assert_close(W.grad, wt.grad.numpy(), rtol=1e-10)


# -- errors ---------------------------------------------------------------------------------

def test_conv2d_rejects_non_4d_input():
    with pytest.raises(ValueError, match=r"conv2d\(\): expected a 4-D .*'input', got shape "
                                         r"\(3, 5, 5\)"):
        F.conv2d(Tensor(np.zeros((3, 5, 5))), Tensor(np.zeros((2, 3, 3, 3))))


def test_conv2d_rejects_channel_mismatch():
    with pytest.raises(ValueError, match=r"weight of shape \(2, 3, 3, 3\) expects the input to "
                                         r"have 3 channels, but input of shape \(1, 4, 5, 5\) "
                                         r"has 4"):
        F.conv2d(Tensor(np.zeros((1, 4, 5, 5))), Tensor(np.zeros((2, 3, 3, 3))))


def test_conv2d_rejects_input_smaller_than_kernel():
    with pytest.raises(ValueError, match=r"padded input size per channel \(4 x 4\) is smaller "
                                         r"than the kernel size \(5 x 5\).*\(1, 1, 4, 4\)"):
        F.conv2d(Tensor(np.zeros((1, 1, 4, 4))), Tensor(np.zeros((1, 1, 5, 5))))


@pytest.mark.parametrize("kwargs, message", [
    (dict(stride=(1, -2)), r"stride must be positive, got \(1, -2\)"),
    (dict(dilation=0), r"dilation must be positive"),
    (dict(groups=3), r"given groups=3, weight of shape \(4, 2, 3, 3\) expects the input to have "
                     r"6 channels"),
    (dict(padding="full"), r"padding must be an int, a pair, 'valid' or 'same', got 'full'"),
    (dict(padding="same", stride=2), r"padding='same' needs stride 1"),
])
def test_conv2d_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.conv2d(Tensor(np.zeros((1, 2, 6, 6))), Tensor(np.zeros((4, 2, 3, 3))), **kwargs)


def test_conv2d_rejects_groups_not_dividing_out_channels():
    with pytest.raises(ValueError, match=r"out_channels \(3, .*\) must be divisible by groups=2"):
        F.conv2d(Tensor(np.zeros((1, 4, 6, 6))), Tensor(np.zeros((3, 2, 3, 3))), groups=2)


def test_conv2d_rejects_empty_kernel_and_mixed_dtypes():
    with pytest.raises(ValueError, match=r"weight of shape \(2, 1, 0, 3\) has an empty"):
        F.conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((2, 1, 0, 3))))
    with pytest.raises(TypeError, match=r"'input' has dtype float32 but 'weight' has dtype "
                                        r"float64"):
        F.conv2d(Tensor(np.zeros((1, 1, 5, 5), np.float32)), Tensor(np.zeros((2, 1, 3, 3))))
    with pytest.raises(TypeError, match=r"'input' must be a floating point tensor, got dtype "
                                        r"int64"):
        F.conv2d(Tensor(np.zeros((1, 1, 5, 5), np.int64)), Tensor(np.zeros((2, 1, 3, 3))))


def test_conv_transpose2d_rejects_bad_channels_and_output_size():
    x = Tensor(np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"expects the input to have 3 channels, but input of "
                                         r"shape \(1, 2, 3, 3\) has 2"):
        F.conv_transpose2d(x, Tensor(np.zeros((3, 1, 3, 3))))
    with pytest.raises(ValueError, match=r"output size \(-1, -1\) is not positive"):
        F.conv_transpose2d(Tensor(np.zeros((1, 2, 1, 1))), Tensor(np.zeros((2, 1, 1, 1))),
                           padding=1)
