"""The chunked convolutions of one group - on the padded grid at stride 1 (ShiftedColumns), the
book's exact columns when strided (WindowColumns) - in chunks of a few images, against
PyTorch, the gradient checks and the full column matrix."""
import importlib

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book.testing import assert_gradcheck

# The modules themselves (the package re-exports functions under some module names).
conv = importlib.import_module("tinygrad_book.nn.functional.conv")
chunked = importlib.import_module("tinygrad_book.nn.functional.chunked")


@pytest.fixture
def grid(monkeypatch):
    """Chunks of a few images (with a remainder), not the whole of these small batches."""
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 2000)


CASES = [  # input shape, weight shape, padding, dilation (the first: C*KH*KW >= 64, so the
           # weight gradient is on the grid too; first layers with fewer rows take im2col's)
    ((5, 8, 6, 5), (3, 8, 3, 3), (1, 1), (1, 2)),
    ((5, 3, 7, 6), (4, 3, 3, 3), (1, 1), (1, 1)),
    ((4, 2, 8, 5), (3, 2, 3, 2), (0, 2), (1, 1)),
    ((3, 2, 9, 9), (2, 2, 3, 3), (2, 1), (2, 3)),
    ((2, 1, 6, 6), (5, 1, 5, 5), (0, 0), (1, 1)),
    ((7, 4, 4, 4), (2, 4, 1, 1), (0, 0), (1, 1)),
    # Padding past the kernel's reach (the grid's rows and columns set by the output size).
    ((3, 2, 5, 4), (2, 2, 2, 3), (3, 1), (1, 1)),
]
# Strided (WindowColumns): input shape, weight shape, stride, padding, dilation; odd sizes,
# the first two with C*KH*KW >= 64 so that their weight gradient is chunked too.
STRIDED = [
    ((5, 8, 9, 7), (3, 8, 3, 3), (2, 2), (1, 1), (1, 1)),
    ((4, 8, 11, 10), (5, 8, 3, 3), (3, 2), (2, 0), (2, 1)),
    ((5, 3, 7, 6), (4, 3, 3, 3), (2, 1), (1, 1), (1, 1)),
    ((3, 2, 9, 8), (2, 2, 2, 3), (1, 2), (0, 1), (2, 2)),
    ((6, 4, 5, 5), (2, 4, 1, 1), (2, 2), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation",
                         [(x, w, (1, 1), p, d) for x, w, p, d in CASES] + STRIDED)
def test_grid_conv2d_matches_torch_forward_and_gradients(grid, xs, ws, stride, padding,
                                                         dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    ours = [tb.Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv2d(*ours, stride=stride, padding=padding, dilation=dilation)
    expected = torch.nn.functional.conv2d(*theirs, stride=stride, padding=padding,
                                          dilation=dilation)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(y.shape)
    y.backward(tb.Tensor(g))
    expected.backward(torch.tensor(g))
    for a, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("xs, ws, padding, dilation", [
    ((1, 8, 4, 4), (2, 8, 3, 3), (1, 1), (1, 1))] + CASES[1:3])
def test_grid_conv2d_gradgradcheck(grid, xs, ws, padding, dilation):
    xs = (min(xs[0], 2),) + xs[1:]
    assert_gradcheck(lambda x, w: F.conv2d(x, w, padding=padding, dilation=dilation), xs, ws,
                     second_order=True)


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", [
    ((2, 8, 5, 5), (2, 8, 3, 3), (2, 2), (1, 1), (1, 1)), STRIDED[2]])
def test_strided_chunked_conv2d_gradgradcheck(grid, xs, ws, stride, padding, dilation):
    xs = (min(xs[0], 2),) + xs[1:]
    assert_gradcheck(lambda x, w: F.conv2d(x, w, stride=stride, padding=padding,
                                           dilation=dilation), xs, ws, second_order=True)


def test_grid_conv_transpose2d_matches_torch(grid):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 4, 5, 6)), rng.standard_normal((4, 2, 3, 3))
    ours = [tb.Tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    y = F.conv_transpose2d(*ours, padding=1, dilation=2)
    expected = torch.nn.functional.conv_transpose2d(*theirs, padding=1, dilation=2)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    y.sum().backward()
    expected.sum().backward()
    for a, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("stride", [1, 2, (3, 2)])
def test_grid_float32_matches_the_full_column_matrix(grid, monkeypatch, stride):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 8, 11, 10), dtype=np.float32)
    w = rng.standard_normal((4, 8, 3, 3), dtype=np.float32)
    b = rng.standard_normal(4, dtype=np.float32)
    results = []
    for chunked in (True, False):
        monkeypatch.setattr(conv, "_on_grid", lambda stride, groups, on=chunked: on)
        ours = [tb.Tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*ours, stride=stride, padding=1)
        (y * tb.Tensor(np.linspace(-1, 1, y.size, dtype=np.float32).reshape(y.shape))).sum() \
            .backward()
        results.append([y.data] + [a.grad.data for a in ours])
    assert results[0][0].dtype == np.float32 and results[0][0].flags.c_contiguous
    for chunked, whole in zip(*results, strict=True):
        np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("stride, out", [(1, 5), (2, 3)])
def test_grid_empty_batch(grid, stride, out):
    x = tb.Tensor(np.zeros((0, 2, 5, 5)), requires_grad=True)
    w = tb.Tensor(np.ones((3, 2, 3, 3)), requires_grad=True)
    y = F.conv2d(x, w, stride=stride, padding=1)
    assert y.shape == (0, 3, out, out)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(w.grad.data, np.zeros((3, 2, 3, 3)))


def test_single_group_convs_are_chunked_on_the_grid_only_at_stride_one():
    assert conv._on_grid((1, 1), 1) and conv._on_grid((2, 2), 1)
    assert not conv._on_grid((1, 1), 2)
    x = np.zeros((2, 3, 8, 8), np.float32)
    assert isinstance(chunked.chunked_columns(x, (3, 3), (1, 1), (1, 1), (1, 1)),
                      chunked.ShiftedColumns)
    assert isinstance(chunked.chunked_columns(x, (3, 3), (2, 1), (1, 1), (1, 1)),
                      chunked.WindowColumns)


@pytest.mark.parametrize("stride", [1, 2])
def test_weight_gradient_reuses_the_forward_grid(grid, monkeypatch, stride):
    built, given = [], []
    original = chunked.chunked_columns

    def spy(x, kernel_size, stride, padding, dilation, grid=None):
        columns = original(x, kernel_size, stride, padding, dilation, grid)
        (built if grid is None else given).append(columns.grid)
        return columns

    monkeypatch.setattr(conv, "chunked_columns", spy)
    rng = np.random.default_rng(3)
    x = tb.Tensor(rng.standard_normal((5, 8, 7, 6)), requires_grad=True)
    w = tb.Tensor(rng.standard_normal((3, 8, 3, 3)), requires_grad=True)
    F.conv2d(x, w, stride=stride, padding=1).sum().backward()
    # The forward's grid is the weight gradient's (the input gradient's, of g, is not built here).
    assert len(built) == 1 and len(given) == 1 and np.shares_memory(given[0], built[0])
    reference = w.grad.data.copy()
    monkeypatch.setattr(conv, "chunked_columns", original)
    w.grad = None
    with tb.no_grad():
        # Not kept where no weight gradient will be asked for.
        assert F.conv2d(x, w, stride=stride, padding=1).grad_fn is None
    w2 = tb.Tensor(w.data, requires_grad=False)
    y = F.conv2d(x, w2, stride=stride, padding=1)
    assert y.grad_fn.saved_arrays[2] is None
    F.conv2d(x, w, stride=stride, padding=1).sum().backward()
    np.testing.assert_array_equal(w.grad.data, reference)
