"""``ReduceLROnPlateau``: lower the learning rate when a metric stops improving."""
import math
from collections.abc import Sequence
from typing import SupportsFloat

from tinygrad_book import checks

from .. import _checks
from ..optimizer import Optimizer
from .scheduler import LRScheduler


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has stopped improving.

    Call ``step(metric)`` once per epoch with, e.g., the validation loss. After
    more than ``patience`` epochs without an improvement (by ``threshold``,
    relative or absolute per ``threshold_mode``; ``mode="max"`` for metrics that
    should grow, like accuracy) the lr of each group becomes
    max(lr · factor, min_lr), unless that changes it by less than ``eps``; then
    ``cooldown`` epochs pass before bad epochs are counted again.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | Sequence[float] = 0,
                 eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        factor = _checks.real_value("factor", factor)
        if not 0 <= factor < 1.0:
            raise ValueError(f"Factor should be < 1.0: factor={factor!r}, expected "
                             "0 <= factor < 1")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown; expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown; expected 'rel' or "
                             "'abs'")
        self.optimizer = optimizer
        self.min_lrs = [_checks.at_least_value("min_lr", v, 0.0)
                        for v in _checks.per_group("min_lr", min_lr, optimizer.param_groups)]
        self.factor = factor
        self.patience = _checks.non_negative_int("patience", patience)
        self.cooldown = _checks.non_negative_int("cooldown", cooldown)
        self.threshold = _checks.at_least_value("threshold", threshold, 0.0)
        self.eps = _checks.at_least_value("eps", eps, 0.0)
        self.mode, self.threshold_mode = mode, threshold_mode
        self.last_epoch = 0
        self._step_count = 0
        self._last_lr = self._current_lrs()
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    # PyTorch's signature too: the metric is required, which LRScheduler.step() has no place for.
    def step(self, metrics: SupportsFloat) -> None:  # type: ignore[override]  # as PyTorch's
        """Record this epoch's ``metrics`` (a number) and lower the lr if it has plateaued."""
        current = checks.number(metrics, "metrics", "ReduceLROnPlateau.step()")
        self.last_epoch += 1
        self._step_count += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} parameter "
                               f"groups but min_lrs has {len(self.min_lrs)}; set min_lrs to match")
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def _is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold
