"""Mini-batches from a dataset, in the manner of ``torch.utils.data.DataLoader``.

The book's training loops pick a mini-batch with
``batch_mask = np.random.choice(train_size, batch_size)``; a DataLoader
instead walks a fresh permutation each epoch, so every sample is seen once
per epoch.
"""
import numpy as np

from .. import checks
from .datasets import _as_array


def _collate(samples):
    """Stack a list of samples into batch arrays.

    Tuple/list samples ``(x, t)`` give a tuple ``(X, T)`` with ``X[i] = x_i``;
    any other sample (one array or number) gives one stacked array.
    """
    first = samples[0]
    if isinstance(first, (tuple, list)):
        widths = {len(s) for s in samples}
        if len(widths) != 1:
            raise ValueError(f"DataLoader: samples in one batch have different numbers of fields: "
                             f"{sorted(widths)}")
        return tuple(np.stack([_as_array(s[i]) for s in samples]) for i in range(len(first)))
    return np.stack([_as_array(s) for s in samples])


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of ``batch_size`` samples.

    Each batch is a tuple of :class:`~tinygrad_book.tensor.Tensor` (one per
    field of a sample: ``for x, t in loader``), or a single Tensor when the
    samples are not tuples. For a :class:`TensorDataset` (or a dataset or
    :class:`Subset` with a ``_batch`` method) a batch is gathered with one
    fancy-index per array; other datasets are indexed sample by sample and
    stacked.

    ``shuffle=True`` draws a new permutation every epoch: from
    ``np.random.default_rng(seed)`` if ``seed`` is given (a private generator,
    so two loaders with the same seed give the same epochs), else from the
    global generator that ``tinygrad_book.random.manual_seed`` seeds.
    ``drop_last=True`` skips a final batch smaller than ``batch_size``.
    ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        self.dataset = dataset
        self.batch_size = checks.integer(batch_size, "batch_size", "DataLoader", minimum=1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = checks.seed(seed, "DataLoader")
        # Created once and advanced by every epoch: epochs differ, runs repeat.
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self._rng is not None:
            return self._rng.permutation(n)
        from ..random import default_generator  # looked up each epoch: manual_seed rebinds it
        return default_generator().permutation(n)

    def _numpy_batches(self):
        """The batches of one epoch as ndarrays (what ``__iter__`` wraps in Tensors)."""
        order = self._order()
        fetch = getattr(self.dataset, "_batch", None)
        for b in range(len(self)):
            indices = order[b * self.batch_size:(b + 1) * self.batch_size]
            batch = fetch(indices) if fetch is not None else None
            if batch is None:
                batch = _collate([self.dataset[int(i)] for i in indices])
            yield batch

    def __iter__(self):
        # Imported here so that importing tinygrad_book.data never needs (or cycles
        # with) the Tensor module; only iterating does.
        from ..tensor import Tensor
        for batch in self._numpy_batches():
            if isinstance(batch, tuple):
                yield tuple(Tensor(a) for a in batch)
            else:
                yield Tensor(batch)

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, "
                f"seed={self.seed})")
