"""Learning-rate schedules, as PyTorch's ``torch.optim.lr_scheduler``.

A scheduler rewrites ``group["lr"]`` of its optimizer's parameter groups each
time its ``step()`` is called (usually once per epoch, after the optimizer's
own ``step()``)::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)
        sched.step()

``last_epoch=-1`` (the default) starts a fresh schedule: the constructor stores
each group's current lr as ``group["initial_lr"]`` and takes step 0. To resume,
restore the optimizer and call ``load_state_dict`` on the scheduler. Most
schedules are written, as in PyTorch, as a factor applied to the current lr,
so they compose with other changes to it. PyTorch's deprecated
``step(epoch)`` form is not offered: ``step()`` always advances one epoch.
"""
import math
import numbers
import types
import warnings


from tinygrad_book.param_utils import plain

from . import _checks
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau"]


class LRScheduler:
    """Base class: keeps ``base_lrs`` and ``last_epoch``; subclasses write ``get_lr()``.

    ``get_lr()`` returns the learning rates for the epoch ``last_epoch`` has just
    advanced to; ``get_last_lr()`` returns the ones last written.
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) \
                or last_epoch < -1:
            raise ValueError(f"last_epoch must be an integer >= -1, got {last_epoch!r}")
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
        for group, lr in zip(self.optimizer.param_groups, values):
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
            if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr):
                raise ValueError(f"{type(self).__name__}: the learning rate for epoch "
                                 f"{self.last_epoch} (parameter group {i}) is {lr!r}; expected a "
                                 "finite number")
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


class LambdaLR(LRScheduler):
    """lr = initial_lr · lr_lambda(epoch).

    ``lr_lambda`` is a function of the epoch number, or a list of them, one per
    parameter group. Plain functions are not saved by ``state_dict()``; the
    attributes of callable objects are, as in PyTorch.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = getattr(optimizer, "param_groups", [])
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(groups):
                raise ValueError(f"Expected {len(groups)} lr_lambdas (one per parameter group), "
                                 f"but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be callable, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch)
                for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {k: _copy(v) for k, v in self.__dict__.items()
                 if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def _restore(self, loaded):
        saved = loaded.pop("lr_lambdas")
        self.__dict__.update(loaded)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs.

    lr = initial_lr · γ^⌊epoch / step_size⌋ (unless something else changes the lr too).
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _checks.positive_int("step_size", step_size)
        self.gamma = _checks.positive_value("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones``.

    A milestone listed n times multiplies by γⁿ, as in PyTorch.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral):
                raise TypeError(f"milestones must be integers (epoch numbers), got {milestones!r}")
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = _checks.positive_value("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        hits = self.milestones.count(self.last_epoch)
        if not hits:
            return self._current_lrs()
        return [lr * self.gamma ** hits for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: lr = initial_lr · γ^epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _checks.positive_value("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov & Hutter, SGDR) without restarts.

    Follows lr_t = η_min + (initial_lr − η_min)(1 + cos(π t / T_max))/2 down to
    η_min at t = T_max, then back up (a period of 2·T_max). As in PyTorch, each
    step computes the new lr from the current one (the recursive form), so
    other changes to the lr carry over; without them the values equal the
    closed form up to rounding.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _checks.positive_value("T_max", T_max)
        self.eta_min = _checks.at_least_value("eta_min", eta_min, 0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T)) / 2
                    for base_lr in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            # At the bottom of the cosine the ratio below would be 0/0: step up directly.
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base_lr, lr in zip(self.base_lrs, self._current_lrs())]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (lr - eta_min) + eta_min for lr in self._current_lrs()]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay): the factor on the lr moves from ``start_factor`` to
    ``end_factor`` over ``total_iters`` epochs, then stays."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        start_factor = _checks.real_value("start_factor", start_factor)
        end_factor = _checks.real_value("end_factor", end_factor)
        if not 0 < start_factor <= 1:
            raise ValueError(f"Invalid start_factor: start_factor={start_factor!r}, expected "
                             "0 < start_factor <= 1")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"Invalid end_factor: end_factor={end_factor!r}, expected "
                             "0 <= end_factor <= 1")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = _checks.positive_int("total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        slope = self.end_factor - self.start_factor
        ratio = 1.0 + slope / (self.total_iters * self.start_factor + (self.last_epoch - 1) * slope)
        return [lr * ratio for lr in self._current_lrs()]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), stepped once per *batch*.

    The lr rises from max_lr/div_factor to ``max_lr`` over the first
    ``pct_start`` of ``total_steps``, then anneals to
    max_lr/(div_factor·final_div_factor); with ``cycle_momentum`` the momentum
    (or Adam's β1) moves the opposite way between ``max_momentum`` and
    ``base_momentum``. ``three_phase`` adds a symmetric descent before the final
    anneal. Give ``total_steps``, or ``epochs`` and ``steps_per_epoch``.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            self.total_steps = _checks.positive_int("total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_checks.positive_int("epochs", epochs)
                                * _checks.positive_int("steps_per_epoch", steps_per_epoch))
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        pct_start = _checks.real_value("pct_start", pct_start)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"Expected pct_start between 0 and 1, got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        n = self.total_steps
        up = {"start_lr": "initial_lr", "end_lr": "max_lr",
              "start_momentum": "max_momentum", "end_momentum": "base_momentum"}
        if three_phase:
            self._schedule_phases = [
                dict(up, end_step=float(pct_start * n) - 1),
                {"end_step": float(2 * pct_start * n) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum",
                 "end_momentum": "max_momentum"},
                {"end_step": n - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"}]
        else:
            self._schedule_phases = [
                dict(up, end_step=float(pct_start * n) - 1),
                {"end_step": n - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"}]
        groups = optimizer.param_groups
        max_lrs = _checks.per_group("max_lr", max_lr, groups)
        div_factor = _checks.positive_value("div_factor", div_factor)
        final_div_factor = _checks.positive_value("final_div_factor", final_div_factor)
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum and "momentum" not in optimizer.defaults and not self.use_beta1:
            raise ValueError(f"{type(optimizer).__name__} has neither momentum nor betas; pass "
                             "cycle_momentum=False")
        max_momentums = _checks.per_group("max_momentum", max_momentum, groups)
        base_momentums = _checks.per_group("base_momentum", base_momentum, groups)
        if last_epoch == -1:
            for i, group in enumerate(groups):
                group["initial_lr"] = max_lrs[i] / div_factor
                group["max_lr"] = max_lrs[i]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycle_momentum:
                    self._set_momentum(group, max_momentums[i])
                    group["max_momentum"] = max_momentums[i]
                    group["base_momentum"] = base_momentums[i]
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps "
                             f"is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct))
                    break
                start_step = end_step
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has stopped improving.

    Call ``step(metric)`` once per epoch with, e.g., the validation loss. After
    more than ``patience`` epochs without an improvement (by ``threshold``,
    relative or absolute per ``threshold_mode``; ``mode="max"`` for metrics that
    should grow, like accuracy) the lr of each group becomes
    max(lr · factor, min_lr), unless that changes it by less than ``eps``; then
    ``cooldown`` epochs pass before bad epochs are counted again.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
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

    def step(self, metrics):
        """Record this epoch's ``metrics`` (a number) and lower the lr if it has plateaued."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step(metrics): expected a number, got "
                            f"{type(metrics).__name__} {metrics!r}") from None
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
        for group, min_lr in zip(groups, self.min_lrs):
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


def _copy(value):
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value
