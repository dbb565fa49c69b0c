"""Argument checks shared by the optimizers and the schedulers.

The checks themselves are ``tinygrad_book.checks``' (``number``, ``integer``,
``in_range``); this module names the ranges each hyperparameter must lie in. A bad
range raises with PyTorch's wording ("Invalid learning rate: ...") followed by
the argument's name, the value it got and what was expected, and otherwise
returns (or, for a parameter group, stores back) a plain Python ``float``,
``int`` or ``bool``. Plain floats matter: under NumPy 2's promotion rules a
Python float keeps a float32 parameter float32, while an ``np.float64``
learning rate would silently compute the update in float64.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# -- single values (scheduler arguments) ------------------------------------------------


def real_value(name, value):
    return checks.number(value, name)


def positive_value(name, value, label=None):
    return checks.in_range(value, name, low=0, low_open=True, finite=True, label=label or name)


def at_least_value(name, value, low, label=None):
    """``value >= low`` (NaN fails too)."""
    return checks.in_range(value, name, low=low, finite=True, label=label or name)


def between_value(name, value, low, high, label=None):
    return checks.in_range(value, name, low=low, high=high, label=label or name)


def positive_int(name, value):
    return checks.in_range(value, name, low=1, label=name, integral=True)


def non_negative_int(name, value):
    return checks.in_range(value, name, low=0, label=name, integral=True)


def per_group(name, value, groups):
    """One number per parameter group: a list of that length, or one number for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"expected {len(groups)} values for {name} (one per parameter "
                             f"group), got {len(value)}")
        return [real_value(name, v) for v in value]
    return [real_value(name, value)] * len(groups)


# -- entries of a parameter group (optimizer hyperparameters) ---------------------------

def number(group, name):
    """Any real number (only the type is checked)."""
    group[name] = real_value(name, group[name])


def at_least(group, name, label, low=0.0):
    group[name] = at_least_value(name, group[name], low, label)


def positive(group, name, label):
    group[name] = positive_value(name, group[name], label)


def between(group, name, label, low, high):
    group[name] = between_value(name, group[name], low, high, label)


def flag(group, name):
    value = group[name]
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    group[name] = bool(value)


def betas(group, name="betas"):
    """``group["betas"]`` is a pair with ``0 <= beta < 1``; stored as a tuple of floats."""
    value = group[name]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {value!r}")
    group[name] = tuple(
        checks.in_range(beta, f"betas[{i}]", low=0, high=1, high_open=True,
                        label=f"beta parameter at index {i}") for i, beta in enumerate(value))


# -- one rule per hyperparameter name ---------------------------------------------------
# A name means the same thing, within the same range, in every optimizer (``eps`` is
# always > 0, ``momentum`` always >= 0), so its check is written here once, and the
# Optimizer applies it to each hyperparameter it has. The labels are PyTorch's.

def _unit_interval(group, name):
    between(group, name, f"{name} value", 0.0, 1.0)


RULES: dict[str, Callable[[dict[str, Any], str], None]] = {
    "lr": partial(at_least, label="learning rate"),
    "eps": partial(positive, label="epsilon value"),
    "betas": betas,
    "rho": _unit_interval,
    "alpha": _unit_interval,
    "dampening": number,
    **{name: partial(at_least, label=f"{name} value") for name in (
        "weight_decay", "momentum", "lr_decay", "initial_accumulator_value", "momentum_decay")},
    **dict.fromkeys(("maximize", "amsgrad", "nesterov", "centered", "decoupled_weight_decay"),
                    flag),
}


def hyperparameters(group, names):
    """Check ``group[name]`` for each of ``names`` by that name's rule in ``RULES`` (and
    store it back normalised); a name without a rule is the optimizer's own to check."""
    for name in names:
        rule = RULES.get(name)
        if rule is not None:
            rule(group, name)
