"""Datasets in the manner of ``torch.utils.data``, and the book's validation split.

A dataset is anything with ``len(ds)`` and ``ds[i]``. A dataset may also have
``_batch(indices) -> tuple of arrays`` (or ``None`` to decline): then
:class:`~tinygrad_book.data.DataLoader` gathers a whole mini-batch with one
fancy-indexing call per array instead of a Python loop over samples.
"""
import math

import numpy as np

from .. import checks


def _as_array(x):
    """An ndarray for ``x``, unwrapping a Tensor (anything with an ndarray ``.data``)."""
    data = getattr(x, "data", None)
    if isinstance(data, np.ndarray) and not isinstance(x, np.ndarray):
        return data
    return np.asarray(x)


def _generator(seed, op):
    """A private generator for ``seed``, else the global one (see tinygrad_book.random)."""
    seed = checks.seed(seed, op)
    if seed is None:
        from ..random import default_generator
        return default_generator()
    return np.random.default_rng(seed)


class Dataset:
    """Base class: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are rows of equally long arrays: ``ds[i] == (a[i], b[i], ...)``.

    Each argument is an ndarray, a Tensor (its ``.data`` is used) or anything
    ``np.asarray`` accepts, with at least one dimension; all first dimensions
    must be equal, e.g. images ``(N, 1, 28, 28)`` and labels ``(N,)``.
    ``ds.arrays`` holds them as ndarrays (not copied).
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        arrays = tuple(_as_array(a) for a in arrays)
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is a scalar; every array needs a first "
                                 "(sample) dimension")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between arrays, first dimensions are "
                             f"{sizes} (shapes {[a.shape for a in arrays]}); all must be equal")
        self.arrays = arrays

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]

    def _batch(self, indices):
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)

    def _batch(self, indices):
        batch = getattr(self.dataset, "_batch", None)
        return batch(self.indices[indices]) if batch is not None else None


def _split_lengths(n, lengths):
    """Turn ``lengths`` (ints summing to ``n`` or fractions summing to 1) into ints."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    if not all(checks.is_real(x) for x in lengths):
        raise TypeError(f"random_split: lengths must be ints or floats, got {lengths!r}")
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be >= 0, got {lengths!r}")
    if all(checks.is_int(x) for x in lengths):
        out = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0) and all(x <= 1 for x in lengths):
        # As PyTorch: floor each share, then hand the remainder out one by one
        # from the first split on, so the sizes always add up to n.
        out = [int(math.floor(n * x)) for x in lengths]
        for i in range(n - sum(out)):
            out[i % len(out)] += 1
    else:
        raise ValueError(f"random_split: lengths {lengths!r} are neither ints summing to the "
                         f"dataset length {n} nor fractions summing to 1")
    if sum(out) != n:
        raise ValueError(f"random_split: lengths {lengths!r} sum to {sum(out)}, but the dataset "
                         f"has {n} samples")
    return out


def random_split(dataset, lengths, seed=None):
    """Split ``dataset`` at random into non-overlapping :class:`Subset` objects.

    ``lengths`` are ints summing to ``len(dataset)`` or fractions summing to 1
    (``[0.8, 0.2]``), as in ``torch.utils.data.random_split``. The permutation
    comes from ``np.random.default_rng(seed)`` if ``seed`` is given, else from
    the global generator, so ``tinygrad_book.random.manual_seed`` fixes it.
    """
    n = len(dataset)
    sizes = _split_lengths(n, lengths)
    order = _generator(seed, "random_split").permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, order[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def train_val_split(x, t, val_fraction=0.2, seed=None):
    """Shuffle ``(x, t)`` and hold out ``val_fraction`` of it as validation data.

    This is the book's chapter 6.5 recipe (``shuffle_dataset`` then take the
    first ``int(N * validation_rate)`` samples for validation), used to tune
    hyper-parameters without touching the test data. ``x`` is ``(N, ...)``,
    ``t`` is ``(N,)`` or ``(N, 10)``. Returns ``(x_train, t_train), (x_val, t_val)``
    with ``N - int(N * val_fraction)`` and ``int(N * val_fraction)`` samples.
    """
    x, t = _as_array(x), _as_array(t)
    if x.ndim == 0 or t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"train_val_split: x and t need the same first dimension, got shapes "
                         f"{x.shape} and {t.shape}")
    val_fraction = checks.in_range(val_fraction, "val_fraction", "train_val_split", 0, 1,
                                   low_open=True, high_open=True)
    order = _generator(seed, "train_val_split").permutation(x.shape[0])
    x, t = x[order], t[order]
    n_val = int(x.shape[0] * val_fraction)
    return (x[n_val:], t[n_val:]), (x[:n_val], t[:n_val])
