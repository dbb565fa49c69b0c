"""Training checkpoints: ``save_checkpoint``/``load_checkpoint``, and what resuming needs.

A checkpoint is one :func:`tinygrad_book.save` file holding ``{"model": ...,
"optimizer": ..., "scheduler": ..., "epoch": ...}``. The Trainer adds a
``"trainer"`` entry: its History and the random states (the global generator
behind dropout, and the DataLoader's shuffling generator) as they were at the
end of that epoch, so that ``fit(..., resume=True)`` continues a run exactly
where it stopped (see :func:`newest_checkpoint`).
"""
import os
import re
import warnings

import numpy as np

from .random import default_generator
from .serialization import load, save

__all__ = ["checkpoint_path", "load_checkpoint", "newest_checkpoint", "save_checkpoint"]

_EPOCH_FILE = re.compile(r"epoch_(\d{3,})\.npz")


def _state(model, optimizer=None, epoch=None, scheduler=None):
    state = {"model": model.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if epoch is not None:
        state["epoch"] = np.asarray(epoch, dtype=np.int64)
    return state


def save_checkpoint(path, model, optimizer=None, epoch=None, scheduler=None):
    """Write ``model`` (and ``optimizer``, ``scheduler``) state dicts to ``path``.

    The file (written by :func:`tinygrad_book.save`) holds ``{"model": ...,
    "optimizer": ..., "scheduler": ..., "epoch": ...}``; read it back with
    :func:`load_checkpoint`.
    """
    save(_state(model, optimizer, epoch, scheduler), path)


def load_checkpoint(path, model, optimizer=None, scheduler=None):
    """Load a :func:`save_checkpoint` file into ``model`` (and ``optimizer``, ``scheduler``).

    Returns the epoch stored in the file, or ``None``. All or nothing: if any part
    does not fit, the parts already loaded are put back and the error is raised.
    """
    return _load_into(load(path), path, model, optimizer, scheduler)


def _load_into(state, path, model, optimizer=None, scheduler=None):
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


def checkpoint_path(directory, epoch):
    """``directory/epoch_NNN.npz``: the file of the checkpoint taken after ``epoch``."""
    return os.path.join(directory, f"epoch_{epoch:03d}.npz")


def save_training_checkpoint(directory, epoch, model, optimizer, scheduler, trainer_state):
    """Save a checkpoint after ``epoch`` with the Trainer's own state (History, random states)."""
    os.makedirs(directory, exist_ok=True)
    state = _state(model, optimizer, epoch, scheduler)
    state["trainer"] = trainer_state
    save(state, checkpoint_path(directory, epoch))


def newest_checkpoint(directory):
    """``(path, state)`` of the newest complete Trainer checkpoint in ``directory``, or None.

    Files are ``epoch_NNN.npz``, tried from the highest epoch down; one that cannot be
    read (a damaged file) or that lacks the Trainer's state is skipped with a warning.
    """
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return None
    epochs = sorted((int(m.group(1)), n) for n in names if (m := _EPOCH_FILE.fullmatch(n)))
    for _epoch, name in reversed(epochs):
        path = os.path.join(directory, name)
        try:
            state = load(path)
        except ValueError as exc:
            warnings.warn(f"resume: skipping {path}: {exc}", RuntimeWarning, stacklevel=3)
            continue
        if isinstance(state, dict) and "trainer" in state and "model" in state:
            return path, state
        warnings.warn(f"resume: skipping {path}: it holds no Trainer state (it was not written "
                      "by fit/Trainer)", RuntimeWarning, stacklevel=3)
    return None


def random_states(loader):
    """The global generator's state and the loader's shuffling generator's (None if global)."""
    # The loader's private generator exists only when it was given a seed.
    rng = getattr(loader, "_rng", None)
    return {"global": default_generator().bit_generator.state,
            "loader": None if rng is None else rng.bit_generator.state}


def set_random_states(states, loader):
    """Put back what :func:`random_states` returned."""
    default_generator().bit_generator.state = states["global"]
    rng = getattr(loader, "_rng", None)
    if rng is not None and states.get("loader") is not None:
        rng.bit_generator.state = states["loader"]


def restore_training(state, path, model, optimizer, scheduler, loader):
    """Load a Trainer checkpoint's model/optimizer/scheduler and random states; return
    ``(epoch, history dict)``."""
    epoch = _load_into(state, path, model, optimizer, scheduler)
    trainer = state["trainer"]
    set_random_states(trainer["random"], loader)
    return epoch, trainer["history"]
