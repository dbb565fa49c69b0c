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
checkpoint per epoch that ``resume=True`` continues from bit for bit, a clean
stop on Ctrl-C, and a stop with a warning when the loss stops being finite.

Evaluation lives in evaluation.py, checkpoint files in checkpointing.py; both
are re-exported here.
"""
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from .checkpointing import (
    load_checkpoint,
    newest_checkpoint,
    random_states,
    restore_training,
    save_checkpoint,
    save_training_checkpoint,
)
from .data import DataLoader, Subset
from .evaluation import _as_dataset, _check_int, _run_eval, accuracy, evaluate
from .nn import functional as F
from .optim.lr_scheduler import ReduceLROnPlateau
from .progress import Progress as _Progress
from .random import manual_seed

__all__ = [
    "History",
    "Trainer",
    "accuracy",
    "evaluate",
    "fit",
    "load_checkpoint",
    "save_checkpoint",
]

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
    - ``interrupted``: a ``KeyboardInterrupt`` (Ctrl-C) ended training early; the
      lists hold what was measured until then.
    - ``seconds``: wall-clock time of the run (of all its parts, when resumed).
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
    interrupted: bool = False
    seconds: float = 0.0

    def to_dict(self):
        """A plain dict of lists and numbers (for ``json.dump``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        """The History that :meth:`to_dict` described (as a checkpoint stores it)."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: (list(v) if isinstance(v, (list, tuple)) else v)
                                  for k, v in d.items() if k in known}
        return cls(**kwargs)

    def __repr__(self):
        last = {k: getattr(self, k)[-1] for k in ("train_acc", "val_acc", "test_acc")
                if getattr(self, k)}
        shown = ", ".join(f"{k}={v:.4f}" for k, v in last.items())
        return (f"History(epochs={self.epoch[-1] if self.epoch else 0}, "
                f"iterations={len(self.iteration_loss)}{', ' + shown if shown else ''}"
                f"{', diverged=True' if self.diverged else ''}"
                f"{', interrupted=True' if self.interrupted else ''})")


def _check_parts(model, optimizer, loss_fn, scheduler, scheduler_interval):
    """TypeError/ValueError for a model, optimizer, loss or scheduler the Trainer cannot use."""
    if not callable(model):
        raise TypeError(f"model must be a callable Module, got {type(model).__name__}")
    for method in ("step", "zero_grad"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(f"optimizer must have step() and zero_grad() (a "
                            f"tinygrad_book.optim optimizer), got {type(optimizer).__name__}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(logits, t), got "
                        f"{type(loss_fn).__name__}")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"scheduler must be an optim.lr_scheduler scheduler (with step()), "
                        f"got {type(scheduler).__name__}")
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'step', got "
                         f"{scheduler_interval!r}")


class Trainer:
    """Train ``model`` with ``optimizer`` on mini-batches and record a :class:`History`.

    Arguments (the book's ``Trainer`` arguments in brackets):

    - ``train_data`` [``x_train, t_train``], ``val_data``, ``test_data``: a
      Dataset or an ``(x, t)`` pair; ``x`` is whatever the model takes
      (``(N, 784)`` for an MLP, ``(N, 1, 28, 28)`` for a ConvNet), ``t``
      class indices ``(N,)`` or one-hot ``(N, C)``.
    - ``epochs`` [``epochs``], ``batch_size`` [``mini_batch_size``]: each
      epoch is one shuffled pass over the training data (the book samples
      batches with replacement instead). ``epochs`` counts from the start of
      the run, resumed or not.
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
    - ``checkpoint_dir``: after every epoch save model, optimizer, scheduler,
      the History and the random states to ``checkpoint_dir/epoch_{NNN}.npz``
      (NNN: the epoch just completed; see :func:`load_checkpoint`).
    - ``resume``: continue from the newest complete checkpoint in
      ``checkpoint_dir`` (from scratch if there is none). A run stopped after
      epoch k and resumed with the same arguments ends bit for bit as one
      that was never stopped.
    - ``seed``: seeds the shuffling (a private generator) and
      :func:`tinygrad_book.manual_seed` (dropout masks) so a run repeats
      bit for bit; the model's initial weights are fixed by whatever seed was
      set when it was built.
    - ``eval_batch_size``: batch size for evaluation (default ``max(batch_size, 500)``).

    ``Trainer(...).train()`` runs it and returns the History. Ctrl-C
    (``KeyboardInterrupt``) during training ends it cleanly: the History so far
    comes back with ``interrupted=True``, and checkpoints of complete epochs stay.
    """

    def __init__(self, model, optimizer, train_data, epochs=20, batch_size=100, val_data=None,
                 test_data=None, loss_fn=None, evaluate_every_epoch=True,
                 evaluate_sample_num_per_epoch=None, progress=True, checkpoint_dir=None,
                 seed=None, eval_batch_size=None, scheduler=None, scheduler_interval="epoch",
                 resume=False):
        _check_parts(model, optimizer, loss_fn, scheduler, scheduler_interval)
        self.model, self.optimizer = model, optimizer
        self.epochs = _check_int("epochs", epochs, 1)
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.datasets = {"train": _as_dataset(train_data, "train_data"),
                         "val": None if val_data is None else _as_dataset(val_data, "val_data"),
                         "test": None if test_data is None else _as_dataset(test_data, "test_data")}
        self.loss_fn = F.cross_entropy if loss_fn is None else loss_fn
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
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
        if resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir: the directory whose newest "
                             "checkpoint to continue from")
        self.resume = bool(resume)
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

    def _resume(self, loader, progress):
        """Load the newest complete checkpoint, if any; return the epoch it completed (0 if
        none)."""
        found = newest_checkpoint(self.checkpoint_dir)
        if found is None:
            return 0
        path, state = found
        epoch, history = restore_training(state, path, self.model, self.optimizer,
                                          self.scheduler, loader)
        self.history = History.from_dict(history)
        progress.write(f"resumed from {path} (epoch {epoch}/{self.epochs})")
        return epoch

    def _train_epoch(self, epoch, loader, progress):
        """One pass over the training data; False if the loss stopped being finite."""
        h = self.history
        progress.start_epoch(epoch)
        try:
            for x, t in loader:
                value = self._step(x, t)
                h.iteration_loss.append(value)
                if not math.isfinite(value):
                    h.diverged = True
                    warnings.warn(f"training stopped in epoch {epoch} at iteration "
                                  f"{len(h.iteration_loss)}: the loss is {value} (try a smaller "
                                  f"learning rate)", RuntimeWarning, stacklevel=4)
                    return False
                progress.step(value)
        finally:
            progress.end_epoch()
        return True

    def _end_epoch(self, epoch, loader, progress, start):
        """Evaluate, step an epoch scheduler and save the checkpoint of a completed epoch."""
        h = self.history
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
            h.seconds = self._seconds_before + time.perf_counter() - start
            save_training_checkpoint(self.checkpoint_dir, epoch, self.model, self.optimizer,
                                     self.scheduler, {"history": h.to_dict(),
                                                      "random": random_states(loader)})

    def _final(self, progress):
        """``History.final``: measured on all samples when epochs used a subset."""
        h, n = self.history, self.evaluate_sample_num_per_epoch
        if n is not None and any(d is not None and len(d) > n
                                 for d in (self.datasets["val"], self.datasets["test"])):
            line = self._record(self.epochs, full=True)
            if line:
                progress.write(f"final (all samples): {line}")
            return
        for split in ("val", "test"):
            if getattr(h, f"{split}_acc"):
                h.final[f"{split}_loss"] = getattr(h, f"{split}_loss")[-1]
                h.final[f"{split}_acc"] = getattr(h, f"{split}_acc")[-1]

    def train(self):
        """Run all epochs; returns the :class:`History` (also kept as ``self.history``)."""
        start = time.perf_counter()
        if self.seed is not None:
            manual_seed(self.seed)
        loader = DataLoader(self.datasets["train"], batch_size=self.batch_size, shuffle=True,
                            seed=self.seed)
        progress = _Progress(self.progress, self.epochs, len(loader))
        done = self._resume(loader, progress) if self.resume else 0
        self._seconds_before = self.history.seconds
        epoch = done
        try:
            if done == 0 and self.evaluate_every_epoch:
                progress.write(f"epoch 0/{self.epochs}: {self._record(0)}")
            if hasattr(self.model, "train"):
                self.model.train()
            for epoch in range(done + 1, self.epochs + 1):
                if not self._train_epoch(epoch, loader, progress):
                    break
                self._end_epoch(epoch, loader, progress, start)
            else:
                self._final(progress)
        except KeyboardInterrupt:
            self.history.interrupted = True
            where = f" in {self.checkpoint_dir}" if self.checkpoint_dir else ""
            warnings.warn(f"training interrupted in epoch {epoch} (KeyboardInterrupt); returning "
                          f"the History so far, checkpoints of complete epochs stay{where}",
                          RuntimeWarning, stacklevel=2)
        self.history.seconds = self._seconds_before + time.perf_counter() - start
        return self.history


def fit(model, optimizer, train_data, epochs=20, batch_size=100, val_data=None, test_data=None,
        loss_fn=None, evaluate_every_epoch=True, evaluate_sample_num_per_epoch=None,
        progress=True, checkpoint_dir=None, seed=None, eval_batch_size=None, scheduler=None,
        scheduler_interval="epoch", resume=False):
    """Train ``model`` and return its :class:`History`; the arguments are :class:`Trainer`'s."""
    return Trainer(model, optimizer, train_data, epochs=epochs, batch_size=batch_size,
                   val_data=val_data, test_data=test_data, loss_fn=loss_fn,
                   evaluate_every_epoch=evaluate_every_epoch,
                   evaluate_sample_num_per_epoch=evaluate_sample_num_per_epoch,
                   progress=progress, checkpoint_dir=checkpoint_dir, seed=seed,
                   eval_batch_size=eval_batch_size, scheduler=scheduler,
                   scheduler_interval=scheduler_interval, resume=resume).train()
