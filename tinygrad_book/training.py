"""A training loop: the book's ``common/trainer.py``, done well.

    from tinygrad_book import optim
    from tinygrad_book.models import SimpleConvNet
    from tinygrad_book.data import load_mnist
    from tinygrad_book.training import fit

    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
    model = SimpleConvNet()
    history = fit(model, optim.Adam(model.parameters(), lr=1e-3), (x_train, t_train),
                  epochs=5, batch_size=100, test_data=(x_test, t_test))
    history.test_acc[-1]

What the book's ``Trainer`` does, kept: mini-batch steps, accuracy on the
training and test data once per epoch (optionally on the first
``evaluate_sample_num_per_epoch`` samples only, for speed), then the final
accuracy on all the test data. What it adds: a DataLoader that visits every
sample once per epoch, validation data, evaluation in ``model.eval()`` mode
under ``no_grad`` (so Dropout and BatchNorm behave as at test time and no graph
is recorded), a tqdm progress bar, a :class:`History` of every number, a
checkpoint per epoch, and a stop with a warning when the loss stops being
finite.
"""
import math
import numbers
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from .data import DataLoader, Dataset, Subset, TensorDataset
from .grad_mode import no_grad
from .random import manual_seed
from .tensor import Tensor

__all__ = ["History", "Trainer", "fit", "accuracy", "evaluate", "save_checkpoint",
           "load_checkpoint"]

_SPLITS = ("train", "val", "test")


@dataclass
class History:
    """Everything a training run measured.

    - ``iteration_loss``: the training loss of every mini-batch step (the
      book's ``train_loss_list``, the curve of its figures 6-9 and 6-15).
    - ``epoch``: the epochs at which the model was evaluated; ``0`` is before
      the first step, so with ``evaluate_every_epoch`` it is ``[0, 1, ..., epochs]``.
    - ``train_loss``/``train_acc``, ``val_loss``/``val_acc``,
      ``test_loss``/``test_acc``: one value per entry of ``epoch`` (empty
      lists for data that was not given); accuracies are fractions in [0, 1].
    - ``final``: the same metrics after training on *all* the validation and
      test samples (the book's "Final Test Accuracy"), e.g. ``final["test_acc"]``.
    - ``diverged``: the loss became NaN or infinite and training stopped.
    - ``seconds``: wall-clock time of the run.
    """

    iteration_loss: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    final: dict = field(default_factory=dict)
    diverged: bool = False
    seconds: float = 0.0

    def to_dict(self):
        """A plain dict of lists and numbers (for ``json.dump``)."""
        return asdict(self)

    def __repr__(self):
        last = {k: getattr(self, k)[-1] for k in ("train_acc", "val_acc", "test_acc")
                if getattr(self, k)}
        shown = ", ".join(f"{k}={v:.4f}" for k, v in last.items())
        return (f"History(epochs={self.epoch[-1] if self.epoch else 0}, "
                f"iterations={len(self.iteration_loss)}{', ' + shown if shown else ''}"
                f"{', diverged=True' if self.diverged else ''})")


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
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


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


def save_checkpoint(path, model, optimizer=None, epoch=None, scheduler=None):
    """Write ``model`` (and ``optimizer``, ``scheduler``) state dicts to ``path``.

    The file (written by :func:`tinygrad_book.save`) holds ``{"model": ...,
    "optimizer": ..., "scheduler": ..., "epoch": ...}``; read it back with
    :func:`load_checkpoint`.
    """
    from .serialization import save
    state = {"model": model.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if epoch is not None:
        state["epoch"] = np.asarray(epoch, dtype=np.int64)
    save(state, path)


def load_checkpoint(path, model, optimizer=None, scheduler=None):
    """Load a :func:`save_checkpoint` file into ``model`` (and ``optimizer``, ``scheduler``).

    Returns the epoch stored in the file, or ``None``. All or nothing: if any part
    does not fit, the parts already loaded are put back and the error is raised.
    """
    from .serialization import load
    state = load(path)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"{os.fspath(path)!r} is not a training checkpoint: expected a dict with "
                         f"a 'model' entry, got {type(state).__name__}"
                         + (f" with keys {sorted(state)}" if isinstance(state, dict) else ""))
    parts = [(model, state["model"])]
    for name, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if target is not None:
            if name not in state:
                raise ValueError(f"{os.fspath(path)!r} holds no {name} state to load")
            parts.append((target, state[name]))
    loaded = []
    try:
        for target, target_state in parts:
            before = target.state_dict()
            target.load_state_dict(target_state)
            loaded.append((target, before))
    except BaseException:
        for target, before in reversed(loaded):
            target.load_state_dict(before)
        raise
    epoch = state.get("epoch")
    return None if epoch is None else int(np.asarray(epoch))


class _Progress:
    """A tqdm bar per epoch when tqdm is installed, else one printed line per epoch."""

    def __init__(self, enabled, total_epochs, steps_per_epoch):
        self.enabled = enabled
        self.total_epochs = total_epochs
        self.steps = steps_per_epoch
        self.bar = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self.tqdm = tqdm if enabled else None

    def start_epoch(self, epoch):
        if self.tqdm is not None:
            self.bar = self.tqdm(total=self.steps, desc=f"epoch {epoch}/{self.total_epochs}",
                                 leave=False, unit="batch", file=sys.stderr,
                                 disable=None)  # None: no bar when stderr is not a terminal

    def step(self, loss):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def end_epoch(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def write(self, line):
        if not self.enabled:
            return
        if self.tqdm is not None:
            self.tqdm.write(line, file=sys.stdout)
        else:
            print(line, flush=True)


class Trainer:
    """Train ``model`` with ``optimizer`` on mini-batches and record a :class:`History`.

    Arguments (the book's ``Trainer`` arguments in brackets):

    - ``train_data`` [``x_train, t_train``], ``val_data``, ``test_data``: a
      Dataset or an ``(x, t)`` pair; ``x`` is whatever the model takes
      (``(N, 784)`` for an MLP, ``(N, 1, 28, 28)`` for a ConvNet), ``t``
      class indices ``(N,)`` or one-hot ``(N, C)``.
    - ``epochs`` [``epochs``], ``batch_size`` [``mini_batch_size``]: each
      epoch is one shuffled pass over the training data (the book samples
      batches with replacement instead).
    - ``loss_fn(logits, t)``: a scalar Tensor; default ``F.cross_entropy``
      (the book's ``SoftmaxWithLoss``).
    - ``evaluate_every_epoch``: measure loss and accuracy before training
      and after every epoch (``False``: only after the last one).
    - ``evaluate_sample_num_per_epoch`` [same name]: evaluate each epoch on
      the first that many samples of each split only; ``History.final``
      is always measured on all of them.
    - ``progress``: show a progress bar (tqdm if installed) and a line per
      epoch; ``False`` prints nothing.
    - ``scheduler``: an ``optim.lr_scheduler`` scheduler of ``optimizer``,
      stepped after every epoch (``scheduler_interval="epoch"``) or after
      every mini-batch step (``"step"``, e.g. for ``OneCycleLR``);
      ``ReduceLROnPlateau`` is stepped with the epoch's validation loss (the
      training loss without validation data).
    - ``checkpoint_dir``: after every epoch save model, optimizer (and
      scheduler) state to ``checkpoint_dir/epoch_{NNN}.npz`` (see
      :func:`load_checkpoint`).
    - ``seed``: seeds the shuffling (a private generator) and
      :func:`tinygrad_book.manual_seed` (dropout masks) so a run repeats
      bit for bit; the model's initial weights are fixed by whatever seed was
      set when it was built.
    - ``eval_batch_size``: batch size for evaluation (default ``max(batch_size, 500)``).

    ``Trainer(...).train()`` runs it and returns the History.
    """

    def __init__(self, model, optimizer, train_data, epochs=20, batch_size=100, val_data=None,
                 test_data=None, loss_fn=None, evaluate_every_epoch=True,
                 evaluate_sample_num_per_epoch=None, progress=True, checkpoint_dir=None,
                 seed=None, eval_batch_size=None, scheduler=None, scheduler_interval="epoch"):
        if not callable(model):
            raise TypeError(f"model must be a callable Module, got {type(model).__name__}")
        for method in ("step", "zero_grad"):
            if not callable(getattr(optimizer, method, None)):
                raise TypeError(f"optimizer must have step() and zero_grad() (a "
                                f"tinygrad_book.optim optimizer), got {type(optimizer).__name__}")
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable as loss_fn(logits, t), got "
                            f"{type(loss_fn).__name__}")
        self.model = model
        self.optimizer = optimizer
        self.epochs = _check_int("epochs", epochs, 1)
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.datasets = {"train": _as_dataset(train_data, "train_data"),
                         "val": None if val_data is None else _as_dataset(val_data, "val_data"),
                         "test": None if test_data is None else _as_dataset(test_data, "test_data")}
        if loss_fn is None:
            from .nn import functional as F  # nn sits above the core; import on use
            loss_fn = F.cross_entropy
        self.loss_fn = loss_fn
        if scheduler is not None and not callable(getattr(scheduler, "step", None)):
            raise TypeError(f"scheduler must be an optim.lr_scheduler scheduler (with step()), "
                            f"got {type(scheduler).__name__}")
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"scheduler_interval must be 'epoch' or 'step', got "
                             f"{scheduler_interval!r}")
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        from .optim.lr_scheduler import ReduceLROnPlateau  # optim sits above the core
        self._plateau = isinstance(scheduler, ReduceLROnPlateau)
        if self._plateau and scheduler_interval == "step":
            raise ValueError("ReduceLROnPlateau needs an epoch's loss: use "
                             "scheduler_interval='epoch'")
        if self._plateau and not evaluate_every_epoch:
            raise ValueError("ReduceLROnPlateau needs each epoch's loss: keep "
                             "evaluate_every_epoch=True")
        self.evaluate_every_epoch = bool(evaluate_every_epoch)
        self.evaluate_sample_num_per_epoch = _check_int(
            "evaluate_sample_num_per_epoch", evaluate_sample_num_per_epoch, 1, allow_none=True)
        self.progress = bool(progress)
        self.checkpoint_dir = None if checkpoint_dir is None else os.fspath(checkpoint_dir)
        self.seed = _check_int("seed", seed, 0, allow_none=True)
        self.eval_batch_size = _check_int("eval_batch_size", eval_batch_size, 1, allow_none=True) \
            or max(self.batch_size, 500)
        self.history = History()

    def _eval_subset(self, dataset):
        n = self.evaluate_sample_num_per_epoch
        if n is None or n >= len(dataset):
            return dataset
        return Subset(dataset, np.arange(n))

    def _record(self, epoch, full=False):
        """Evaluate every given split and append the numbers to the history."""
        h = self.history
        if not full:
            h.epoch.append(epoch)
        parts = []
        for split in _SPLITS:
            dataset = self.datasets[split]
            if dataset is None or (full and split == "train"):
                continue
            loss, acc = _run_eval(self.model, dataset if full else self._eval_subset(dataset),
                                  self.eval_batch_size, self.loss_fn)
            if full:
                h.final[f"{split}_loss"], h.final[f"{split}_acc"] = loss, acc
            else:
                getattr(h, f"{split}_loss").append(loss)
                getattr(h, f"{split}_acc").append(acc)
            parts.append(f"{split} loss {loss:.4f} acc {acc:.4f}")
        return " | ".join(parts)

    def _step(self, x, t):
        loss = self.loss_fn(self.model(x), t)
        self.optimizer.zero_grad()
        loss.backward()
        value = float(loss.item())
        if not math.isfinite(value):
            return value
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        return value

    def train(self):
        """Run all epochs; returns the :class:`History` (also kept as ``self.history``)."""
        start = time.perf_counter()
        if self.seed is not None:
            manual_seed(self.seed)
        loader = DataLoader(self.datasets["train"], batch_size=self.batch_size, shuffle=True,
                            seed=self.seed)
        progress = _Progress(self.progress, self.epochs, len(loader))
        h = self.history
        n = self.evaluate_sample_num_per_epoch
        subsample = n is not None and any(d is not None and len(d) > n
                                          for d in (self.datasets["val"], self.datasets["test"]))
        if self.evaluate_every_epoch:
            progress.write(f"epoch 0/{self.epochs}: {self._record(0)}")
        if hasattr(self.model, "train"):
            self.model.train()
        for epoch in range(1, self.epochs + 1):
            progress.start_epoch(epoch)
            for x, t in loader:
                value = self._step(x, t)
                h.iteration_loss.append(value)
                if not math.isfinite(value):
                    h.diverged = True
                    break
                progress.step(value)
            progress.end_epoch()
            if h.diverged:
                warnings.warn(f"training stopped in epoch {epoch} at iteration "
                              f"{len(h.iteration_loss)}: the loss is {value} (try a smaller "
                              f"learning rate)", RuntimeWarning, stacklevel=2)
                break
            if self.evaluate_every_epoch or epoch == self.epochs:
                line = self._record(epoch)
                progress.write(f"epoch {epoch}/{self.epochs}: {line}  "
                               f"({time.perf_counter() - start:.1f}s)")
            if self.scheduler is not None and self.scheduler_interval == "epoch":
                if self._plateau:
                    self.scheduler.step((h.val_loss or h.train_loss)[-1])
                else:
                    self.scheduler.step()
            if self.checkpoint_dir is not None:
                os.makedirs(self.checkpoint_dir, exist_ok=True)
                save_checkpoint(os.path.join(self.checkpoint_dir, f"epoch_{epoch:03d}.npz"),
                                self.model, self.optimizer, epoch, self.scheduler)
        if not h.diverged:
            if subsample:
                line = self._record(self.epochs, full=True)
                if line:
                    progress.write(f"final (all samples): {line}")
            else:
                for split in ("val", "test"):
                    if getattr(h, f"{split}_acc"):
                        h.final[f"{split}_loss"] = getattr(h, f"{split}_loss")[-1]
                        h.final[f"{split}_acc"] = getattr(h, f"{split}_acc")[-1]
        h.seconds = time.perf_counter() - start
        return h


def fit(model, optimizer, train_data, epochs=20, batch_size=100, val_data=None, test_data=None,
        loss_fn=None, evaluate_every_epoch=True, evaluate_sample_num_per_epoch=None,
        progress=True, checkpoint_dir=None, seed=None, eval_batch_size=None, scheduler=None,
        scheduler_interval="epoch"):
    """Train ``model`` and return its :class:`History`; the arguments are :class:`Trainer`'s."""
    return Trainer(model, optimizer, train_data, epochs=epochs, batch_size=batch_size,
                   val_data=val_data, test_data=test_data, loss_fn=loss_fn,
                   evaluate_every_epoch=evaluate_every_epoch,
                   evaluate_sample_num_per_epoch=evaluate_sample_num_per_epoch,
                   progress=progress, checkpoint_dir=checkpoint_dir, seed=seed,
                   eval_batch_size=eval_batch_size, scheduler=scheduler,
                   scheduler_interval=scheduler_interval).train()
