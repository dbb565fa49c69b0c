"""DeepConvNet's forward without a graph: each conv's ReLU and max-pool applied to its products
in cache (``_forward_fused``) gives the layers' values bit for bit, and steps aside whenever
the layers would do something it does not (hooks, replaced or reshaped layers, grad mode)."""
import importlib

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import models, nn

chunked = importlib.import_module("tinygrad_book.nn.functional.chunked")


def layer_by_layer(model, x):
    for module in model._modules.values():
        x = module(x)
    return x


def images(n=5, dtype=np.float32, seed=0):
    return tb.Tensor(np.random.default_rng(seed).standard_normal((n, 1, 28, 28)).astype(dtype))


@pytest.fixture
def model():
    tb.manual_seed(0)
    return models.DeepConvNet().eval()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_forward_gives_the_layers_values_bit_for_bit(model, monkeypatch, dtype):
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 20000)   # several chunks, with a remainder
    model = model.to(dtype) if dtype == np.float64 else model
    x = images(7, dtype)
    x.data[0, 0, :3, :3] = np.nan
    x.data[1] = -1.0      # all-negative maps: ReLU's zeros tie in every pooling window
    with tb.no_grad():
        assert model._blocks_fuse(x)
        fused, expected = model(x), layer_by_layer(model, x)
    assert fused.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(fused.data, expected.data)
    assert np.isnan(fused.data[0]).all() and not np.isnan(fused.data[1:]).any()


def test_pool_and_relu_of_the_chunked_products_match_the_layers():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, 7, 9))
    w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    columns = chunked.ShiftedColumns(x, (3, 3), (1, 2), (1, 1))
    columns.chunk = 2
    y = columns.correlate(w, b)
    relu = np.maximum(y, 0)
    np.testing.assert_array_equal(columns.correlate(w, b, relu=True), relu)
    pooled = relu[:, :, :6:2, :10:2]
    for i, j in ((0, 1), (1, 0), (1, 1)):
        pooled = np.maximum(pooled, relu[:, :, i:6:2, j:10:2])     # odd sizes: floor
    np.testing.assert_array_equal(columns.correlate(w, b, relu=True, pool=True), pooled)
    # Written straight into the next layer's grid: the grid the NCHW result would give.
    for relu, pool, expected in ((True, True, pooled), (False, False, y)):
        following = chunked.ShiftedColumns.awaiting(expected.shape, x.dtype, (3, 3), (2, 1),
                                                    (1, 1))
        columns.correlate(w, b, relu=relu, pool=pool, into=following.images())
        built = chunked.ShiftedColumns(expected, (3, 3), (2, 1), (1, 1))
        np.testing.assert_array_equal(following.grid, built.grid)


def test_hooks_grad_mode_and_changed_layers_take_the_layers(model):
    x = images()
    seen = []
    handle = model.relu3.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    with tb.no_grad():
        assert not model._blocks_fuse(x)
        model(x)
    assert seen == [(5, 32, 14, 14)]
    handle.remove()
    with tb.no_grad():
        assert model._blocks_fuse(x)
    assert model(x).grad_fn is not None     # grad mode: the graph is recorded layer by layer
    with tb.no_grad():
        assert not model._blocks_fuse(images(dtype=np.float64))
        assert not model._blocks_fuse(tb.Tensor(np.zeros((2, 1, 30, 30), np.float32)))
    model.pool2 = nn.MaxPool2d(2, stride=1)
    with tb.no_grad():
        assert not model._blocks_fuse(x)
    tb.manual_seed(0)
    other = models.DeepConvNet().eval()
    other.relu5 = nn.Sigmoid()
    with tb.no_grad():
        assert not other._blocks_fuse(x)
        np.testing.assert_array_equal(other(x).data, layer_by_layer(other, x).data)


def test_train_mode_without_grad_keeps_dropout_and_its_random_draws(model):
    model.train()
    x = images()
    with tb.no_grad():
        tb.manual_seed(3)
        fused = model(x).data
        tb.manual_seed(3)
        expected = layer_by_layer(model, x).data
    np.testing.assert_array_equal(fused, expected)
