"""Measuring a model: the book's ``network.accuracy(x, t)``, and the loss beside it.

``evaluate(model, data)`` gives ``(mean loss, accuracy)`` in eval mode under
``no_grad``; ``accuracy(model, x, t)`` the accuracy alone. ``data`` is a
Dataset or an ``(x, t)`` pair; labels are class indices ``(N,)`` or one-hot
rows ``(N, C)``. The Trainer (training.py) uses the same helpers.
"""

import numpy as np

from . import checks
from .data import DataLoader, Dataset, TensorDataset
from .grad_mode import no_grad
from .tensor import Tensor

__all__ = ["accuracy", "evaluate"]


def _as_dataset(data, name):
    """A Dataset from ``data``: a Dataset, or an ``(x, t)`` pair of arrays/Tensors."""
    if isinstance(data, (np.ndarray, Tensor, dict, str)):
        raise TypeError(f"{name} must be a Dataset or an (x, t) pair of arrays, got a "
                        f"{type(data).__name__}; pass the inputs with their labels as (x, t)")
    if isinstance(data, Dataset) or (hasattr(data, "__getitem__") and hasattr(data, "__len__")
                                     and not isinstance(data, (tuple, list))):
        if len(data) == 0:
            raise ValueError(f"{name} is empty; it needs at least one sample")
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, t = data
        try:
            dataset = TensorDataset(x, t)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        if len(dataset) == 0:
            raise ValueError(f"{name} is empty; it needs at least one sample")
        return dataset
    raise TypeError(f"{name} must be a Dataset or an (x, t) pair of arrays, got "
                    f"{type(data).__name__}" + (f" of length {len(data)}"
                                               if isinstance(data, (tuple, list)) else ""))


def _check_int(name, value, minimum, allow_none=False):
    return None if value is None and allow_none else checks.integer(value, name, minimum=minimum)


def _labels(t):
    """Class indices ``(N,)`` from labels ``(N,)`` or one-hot/probability targets ``(N, C)``."""
    t = t.data if isinstance(t, Tensor) else np.asarray(t)
    return t.argmax(axis=1) if t.ndim == 2 else t


def _run_eval(model, dataset, batch_size, loss_fn):
    """Mean loss (or ``None`` without ``loss_fn``) and accuracy of ``model`` on ``dataset``."""
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    correct, loss_sum, count = 0, 0.0, 0
    try:
        with no_grad():
            for x, t in DataLoader(dataset, batch_size=batch_size, shuffle=False):
                y = model(x)
                if loss_fn is not None:
                    loss_sum += float(loss_fn(y, t).item()) * len(x)
                logits = y.data if isinstance(y, Tensor) else np.asarray(y)
                if logits.ndim != 2:
                    raise ValueError(f"the model's output must be logits of shape (N, classes) "
                                     f"to measure accuracy, got shape {logits.shape}")
                correct += int((logits.argmax(axis=1) == _labels(t)).sum())
                count += len(x)
    finally:
        if was_training:
            model.train()
    return (loss_sum / count if loss_fn is not None else None), correct / count


def evaluate(model, data, loss_fn=None, batch_size=100):
    """``(mean loss, accuracy)`` of ``model`` on ``data`` in eval mode, without a graph.

    ``data`` is a Dataset or an ``(x, t)`` pair; ``t`` holds class indices
    ``(N,)`` or one-hot rows ``(N, C)``. The loss is ``None`` when ``loss_fn``
    is. The model's train/eval mode is restored afterwards.
    """
    dataset = _as_dataset(data, "data")
    return _run_eval(model, dataset, _check_int("batch_size", batch_size, 1), loss_fn)


def accuracy(model, x, t, batch_size=100):
    """Fraction in [0, 1] of samples whose largest logit is the true class.

    The book's ``network.accuracy(x, t)``: ``x`` is ``(N, ...)``, ``t`` class
    indices ``(N,)`` or one-hot ``(N, C)``; evaluated ``batch_size`` samples at
    a time in eval mode under ``no_grad``.
    """
    return evaluate(model, (x, t), None, batch_size)[1]
