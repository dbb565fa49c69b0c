"""TensorDataset, Subset, random_split and the book's train_val_split."""
import numpy as np
import pytest

from tinygrad_book import random as tg_random
from tinygrad_book.data import Dataset, Subset, TensorDataset, random_split, train_val_split


class Wrapped:
    """Stands in for a Tensor: an object whose ``.data`` is the ndarray."""

    def __init__(self, data):
        self.data = data


def test_tensor_dataset_items_and_len():
    x = np.arange(12).reshape(4, 3)
    t = np.array([3, 1, 4, 1])
    ds = TensorDataset(x, t)
    assert len(ds) == 4
    xi, ti = ds[2]
    np.testing.assert_array_equal(xi, [6, 7, 8])
    assert ti == 4
    np.testing.assert_array_equal(ds[-1][0], [9, 10, 11])


def test_tensor_dataset_unwraps_tensors_without_copying():
    x = np.zeros((3, 2), np.float32)
    ds = TensorDataset(Wrapped(x), [0, 1, 2])
    assert ds.arrays[0] is x
    assert ds.arrays[1].tolist() == [0, 1, 2]


def test_tensor_dataset_size_mismatch_names_the_sizes():
    with pytest.raises(ValueError) as info:
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    assert str(info.value) == ("TensorDataset: size mismatch between arrays, first dimensions are "
                               "[3, 4] (shapes [(3, 2), (4,)]); all must be equal")


def test_tensor_dataset_rejects_nothing_and_scalars():
    with pytest.raises(ValueError, match="needs at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match="array 1 is a scalar"):
        TensorDataset(np.zeros(3), np.float32(1.0))


def test_dataset_base_requires_getitem_and_len():
    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match="Empty must implement __getitem__"):
        Empty()[0]
    with pytest.raises(NotImplementedError, match="Empty must implement __len__"):
        len(Empty())


def test_subset_reorders_and_restricts():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert [int(sub[i][0]) for i in range(3)] == [70, 20, 50]
    assert int(sub[-1][0]) == 50


def positions(subset):
    return subset.indices.tolist()


def test_random_split_int_lengths_are_disjoint_and_cover_everything():
    ds = TensorDataset(np.arange(10))
    a, b, c = random_split(ds, [5, 3, 2], seed=0)
    assert (len(a), len(b), len(c)) == (5, 3, 2)
    together = positions(a) + positions(b) + positions(c)
    assert sorted(together) == list(range(10))
    assert together != list(range(10))  # it did shuffle
    assert [int(a[i][0]) for i in range(5)] == positions(a)


@pytest.mark.parametrize("n, fractions, sizes", [
    (10, [0.8, 0.2], [8, 2]),
    (5, [0.5, 0.5], [3, 2]),          # the remainder goes to the first split, as PyTorch
    (10, [0.3, 0.3, 0.4], [3, 3, 4]),
    (7, [1 / 3, 1 / 3, 1 / 3], [3, 2, 2]),
])
def test_random_split_fractions(n, fractions, sizes):
    parts = random_split(TensorDataset(np.arange(n)), fractions, seed=1)
    assert [len(p) for p in parts] == sizes
    assert sorted(sum((positions(p) for p in parts), [])) == list(range(n))


def test_random_split_bad_lengths():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"lengths \[5, 4\] sum to 9, but the dataset has 10 "
                                         "samples"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="neither ints summing to the dataset length 10 nor "
                                         "fractions summing to 1"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match=r"lengths must be >= 0, got \[12, -2\]"):
        random_split(ds, [12, -2])
    with pytest.raises(TypeError, match="lengths must be ints or floats"):
        random_split(ds, ["5", "5"])


def test_random_split_is_reproducible_with_seed_and_manual_seed():
    ds = TensorDataset(np.arange(50))
    first = [positions(p) for p in random_split(ds, [25, 25], seed=3)]
    assert first == [positions(p) for p in random_split(ds, [25, 25], seed=3)]
    assert first != [positions(p) for p in random_split(ds, [25, 25], seed=4)]

    tg_random.manual_seed(11)
    a = [positions(p) for p in random_split(ds, [25, 25])]
    b = [positions(p) for p in random_split(ds, [25, 25])]
    tg_random.manual_seed(11)
    assert a == [positions(p) for p in random_split(ds, [25, 25])]
    assert a != b  # the global generator moved on


def test_train_val_split_holds_out_a_fifth_and_keeps_pairs():
    x = np.arange(100 * 3).reshape(100, 3)
    t = np.arange(100)
    (x_train, t_train), (x_val, t_val) = train_val_split(x, t, seed=0)
    assert x_train.shape == (80, 3) and x_val.shape == (20, 3)
    assert t_train.shape == (80,) and t_val.shape == (20,)
    np.testing.assert_array_equal(x_train[:, 0], t_train * 3)  # rows stay with their labels
    np.testing.assert_array_equal(x_val[:, 0], t_val * 3)
    assert sorted(np.concatenate([t_train, t_val]).tolist()) == list(range(100))
    assert t_val.tolist() != list(range(20))


def test_train_val_split_rounds_down_like_the_book():
    (x_train, _), (x_val, _) = train_val_split(np.zeros((7, 2)), np.zeros(7), val_fraction=0.2,
                                               seed=0)
    assert (len(x_train), len(x_val)) == (6, 1)  # int(7 * 0.2) == 1


def test_train_val_split_reproducible():
    x, t = np.arange(30), np.arange(30)
    a = train_val_split(x, t, seed=5)[1][1]
    np.testing.assert_array_equal(a, train_val_split(x, t, seed=5)[1][1])
    tg_random.manual_seed(2)
    b = train_val_split(x, t)[1][1]
    tg_random.manual_seed(2)
    np.testing.assert_array_equal(b, train_val_split(x, t)[1][1])


def test_train_val_split_bad_input():
    with pytest.raises(ValueError, match=r"same first dimension, got shapes \(4, 2\) and \(5,\)"):
        train_val_split(np.zeros((4, 2)), np.zeros(5))
    with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\), got 1.5"):
        train_val_split(np.zeros(4), np.zeros(4), val_fraction=1.5)
    with pytest.raises(TypeError,
                       match="train_val_split: seed must be None or an int >= 0, got str 'x'"):
        train_val_split(np.zeros(4), np.zeros(4), seed="x")
