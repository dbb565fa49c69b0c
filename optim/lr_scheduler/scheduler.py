"""``LRScheduler``: the base every schedule shares (stepping, checked learning rates,
state dicts)."""
import warnings

from tinygrad_book import checks
from tinygrad_book.param_utils import plain

from ..optimizer import Optimizer


class LRScheduler:
    """Base class: keeps ``base_lrs`` and ``last_epoch``; subclasses write ``get_lr()``.

    ``get_lr()`` returns the learning rates for the epoch ``last_epoch`` has just
    advanced to; ``get_last_lr()`` returns the ones last written.
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        last_epoch = checks.in_range(last_epoch, "last_epoch", type(self).__name__, low=-1,
                                     integral=True)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        f"a scheduler with last_epoch={last_epoch}; load the optimizer's state "
                        "first, or start with last_epoch=-1")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates for the current ``last_epoch``, one per parameter group."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def get_last_lr(self):
        """The learning rates the last ``step()`` wrote, one per parameter group."""
        return list(self._last_lr)

    def step(self):
        """Advance one epoch and write the new learning rates into the optimizer."""
        if self._step_count == 1 and getattr(self.optimizer, "_step_count", 1) == 0:
            warnings.warn("lr_scheduler.step() was called before optimizer.step(); call the "
                          "optimizer first, or the first value of the schedule is skipped",
                          UserWarning, stacklevel=2)
        self.last_epoch += 1
        try:
            values = self._checked_lrs(self.get_lr())
        except BaseException:
            self.last_epoch -= 1  # a refused step changes nothing
            raise
        self._step_count += 1
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _checked_lrs(self, values):
        """The schedule's rates for ``last_epoch``, refused unless one finite number per group
        (a LambdaLR whose lambda returns nan would otherwise train with lr = nan)."""
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise RuntimeError(f"{type(self).__name__}: the optimizer now has {len(groups)} "
                               f"parameter groups but the schedule gives {len(values)} rates; "
                               "make the scheduler after the last add_param_group()")
        for i, lr in enumerate(values):
            checks.finite(lr, f"the learning rate for epoch {self.last_epoch} (parameter group "
                          f"{i})", type(self).__name__)
        return values

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    # -- checkpoints -------------------------------------------------------------
    def state_dict(self):
        """Every attribute but the optimizer, as plain Python data (lists copied)."""
        return {k: _copy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()`` of the same kind of scheduler.

        A dict whose keys differ from this scheduler's, or that was made for a
        different number of parameter groups, is refused with ``ValueError``
        before anything changes.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise ValueError(f"{name}.load_state_dict(): expected a dict from state_dict(), got "
                             f"{type(state_dict).__name__}")
        own = self.state_dict()
        missing, extra = sorted(set(own) - set(state_dict)), sorted(set(state_dict) - set(own))
        if missing or extra:
            raise ValueError(f"{name}.load_state_dict(): missing keys {missing}, unexpected keys "
                             f"{extra}; was it saved from a different scheduler?")
        loaded = {k: plain(v) for k, v in state_dict.items()}
        for key in ("base_lrs", "_last_lr", "min_lrs"):
            if key in loaded and len(loaded[key]) != len(own[key]):
                raise ValueError(f"{name}.load_state_dict(): {key} has {len(loaded[key])} "
                                 f"entries, but this scheduler has {len(own[key])} (one per "
                                 "parameter group)")
        self._restore(loaded)

    def _restore(self, loaded):
        self.__dict__.update(loaded)


def _copy(value):
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value
