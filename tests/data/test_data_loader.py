"""DataLoader: batch counts, drop_last, shuffling, fast and generic paths, Tensor output."""
import sys
import types

import numpy as np
import pytest

from tinygrad_book import random as tg_random
from tinygrad_book.data import MNIST, DataLoader, Dataset, TensorDataset, random_split


class FakeTensor:
    """Records the array it wraps, like ``Tensor(np_array)`` with ``.data``."""

    def __init__(self, data):
        self.data = data


@pytest.fixture
def fake_tensor(monkeypatch):
    """Lets these tests run before tinygrad_book.tensor exists, without depending on it."""
    module = types.ModuleType("tinygrad_book.tensor")
    module.Tensor = FakeTensor
    monkeypatch.setitem(sys.modules, "tinygrad_book.tensor", module)


def batches(loader):
    """One epoch as lists of ndarrays (unwrapping the Tensors)."""
    return [tuple(t.data for t in batch) for batch in loader]


def labels_seen(loader):
    return [b[1].tolist() for b in batches(loader)]


@pytest.fixture
def ten():
    """Ten samples: x[i] = [i, i] (float32), t[i] = i."""
    return TensorDataset(np.repeat(np.arange(10, dtype=np.float32)[:, None], 2, axis=1),
                         np.arange(10))


@pytest.mark.parametrize("batch_size, drop_last, sizes", [
    (3, False, [3, 3, 3, 1]),
    (3, True, [3, 3, 3]),
    (5, False, [5, 5]),
    (10, True, [10]),
    (1, False, [1] * 10),
    (20, False, [10]),
    (20, True, []),
])
def test_batch_counts(fake_tensor, ten, batch_size, drop_last, sizes):
    loader = DataLoader(ten, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    assert [len(t) for _, t in batches(loader)] == sizes


def test_unshuffled_order_and_shapes(fake_tensor, ten):
    got = batches(DataLoader(ten, batch_size=4))
    assert [t.tolist() for _, t in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x0, t0 = got[0]
    assert x0.shape == (4, 2) and x0.dtype == np.float32
    np.testing.assert_array_equal(x0[:, 1], t0)


def test_yields_tensors(fake_tensor, ten):
    xb, tb = next(iter(DataLoader(ten, batch_size=2)))
    assert type(xb) is FakeTensor and type(tb) is FakeTensor


def test_seeded_shuffle_repeats_across_runs_and_differs_across_epochs(fake_tensor, ten):
    loader = DataLoader(ten, batch_size=4, shuffle=True, seed=7)
    epoch1, epoch2 = labels_seen(loader), labels_seen(loader)
    assert sorted(sum(epoch1, [])) == list(range(10))
    assert sorted(sum(epoch2, [])) == list(range(10))
    assert epoch1 != epoch2
    assert sum(epoch1, []) != list(range(10))
    again = DataLoader(ten, batch_size=4, shuffle=True, seed=7)
    assert [labels_seen(again), labels_seen(again)] == [epoch1, epoch2]
    other = DataLoader(ten, batch_size=4, shuffle=True, seed=8)
    assert labels_seen(other) != epoch1


def test_shuffle_follows_manual_seed(fake_tensor, ten):
    loader = DataLoader(ten, batch_size=3, shuffle=True)
    tg_random.manual_seed(123)
    first = labels_seen(loader)
    second = labels_seen(loader)
    tg_random.manual_seed(123)
    assert labels_seen(loader) == first
    assert labels_seen(loader) == second
    assert first != second
    expected = np.random.default_rng(123).permutation(10).tolist()
    assert sum(first, []) == expected


def test_shuffled_batches_keep_samples_together(fake_tensor, ten):
    for x, t in batches(DataLoader(ten, batch_size=4, shuffle=True, seed=0)):
        np.testing.assert_array_equal(x[:, 0], t)


def test_tensor_dataset_uses_one_fancy_index_per_batch(fake_tensor, ten):
    class Counting(TensorDataset):
        item_calls = 0

        def __getitem__(self, index):
            Counting.item_calls += 1
            return super().__getitem__(index)

    ds = Counting(*ten.arrays)
    assert len(batches(DataLoader(ds, batch_size=4, shuffle=True, seed=0))) == 3
    assert Counting.item_calls == 0


class Squares(Dataset):
    """A generic dataset: (float64 vector, int label) per sample, built on the fly."""

    def __init__(self, n):
        self.n = n
        self.item_calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.item_calls += 1
        return np.array([i, i * i], dtype=np.float64), i % 3


def test_generic_dataset_is_collated_by_stacking(fake_tensor):
    ds = Squares(5)
    got = batches(DataLoader(ds, batch_size=2))
    assert ds.item_calls == 5
    x, t = got[1]
    np.testing.assert_array_equal(x, [[2, 4], [3, 9]])
    assert x.dtype == np.float64
    assert t.tolist() == [2, 0] and t.dtype == np.int64
    assert got[2][0].shape == (1, 2)


def test_non_tuple_samples_give_a_single_tensor(fake_tensor):
    class Plain(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float32)

    out = list(DataLoader(Plain(), batch_size=2))
    assert type(out[0]) is FakeTensor
    np.testing.assert_array_equal(out[0].data, [[0, 0], [1, 1]])


def test_random_split_subsets_batch_through_the_fast_path(fake_tensor, ten):
    train, val = random_split(ten, [7, 3], seed=0)
    order = val.indices.tolist()
    got = batches(DataLoader(val, batch_size=2))
    assert [t.tolist() for _, t in got] == [order[:2], order[2:]]
    np.testing.assert_array_equal(got[0][0][:, 0], order[:2])
    assert len(DataLoader(train, batch_size=2, drop_last=True)) == 3


def test_mnist_sample_batches(fake_tensor):
    ds = MNIST(source="sample", train=False)
    loader = DataLoader(ds, batch_size=256, shuffle=True, seed=0)
    assert len(loader) == 4
    got = batches(loader)
    x, t = got[0]
    assert x.shape == (256, 1, 28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert t.dtype == np.int64 and got[-1][1].shape == (1000 - 3 * 256,)
    x3, t3 = batches(DataLoader(ds, batch_size=3))[0]  # the fast path agrees with ds[i]
    for i in range(3):
        np.testing.assert_array_equal(x3[i], ds[i][0])
        assert t3[i] == ds[i][1]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, "DataLoader: batch_size must be positive, got 0"),
    (dict(batch_size=-4), ValueError, "DataLoader: batch_size must be positive, got -4"),
    (dict(batch_size=2.5), TypeError, "DataLoader: batch_size must be an int, got float 2.5"),
    (dict(batch_size=True), TypeError, "DataLoader: batch_size must be an int, got bool True"),
    (dict(batch_size="8"), TypeError, "DataLoader: batch_size must be an int, got str '8'"),
    (dict(seed=-1), ValueError, "DataLoader: seed must be None or an int >= 0, got -1"),
    (dict(seed=1.0), TypeError, "DataLoader: seed must be None or an int >= 0, got float 1.0"),
])
def test_bad_arguments(ten, kwargs, error, message):
    with pytest.raises(error) as info:
        DataLoader(ten, **kwargs)
    assert str(info.value) == message


def test_numpy_integer_batch_size_is_accepted(fake_tensor, ten):
    assert len(DataLoader(ten, batch_size=np.int64(4))) == 3


def test_real_tensor_wrapping(ten):
    tensor = pytest.importorskip("tinygrad_book.tensor")
    xb, tb = next(iter(DataLoader(ten, batch_size=4)))
    assert isinstance(xb, tensor.Tensor) and isinstance(tb, tensor.Tensor)
    np.testing.assert_array_equal(xb.data, ten.arrays[0][:4])
    np.testing.assert_array_equal(tb.data, [0, 1, 2, 3])
