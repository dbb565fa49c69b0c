"""Hyperparameter checks shared by the optimizers.

Every check reads one entry of a parameter group (a dict), raises with
PyTorch's wording ("Invalid learning rate: ...") followed by the argument's
name, the value it got and what was expected, and otherwise stores the value
back as a plain Python ``float``/``bool``. Plain floats matter: under NumPy 2's
promotion rules a Python float keeps a float32 parameter float32, while an
``np.float64`` learning rate would silently compute the update in float64.
"""
import numbers

import numpy as np


def _real(group, name):
    value = group[name]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    group[name] = value
    return value


def at_least(group, name, label, low=0.0):
    """``group[name] >= low`` (NaN fails too)."""
    value = _real(group, name)
    if not value >= low:
        raise ValueError(f"Invalid {label}: {name}={value!r}, expected {name} >= {low:g}")


def positive(group, name, label):
    """``group[name] > 0``."""
    value = _real(group, name)
    if not value > 0:
        raise ValueError(f"Invalid {label}: {name}={value!r}, expected {name} > 0")


def between(group, name, label, low, high):
    """``low <= group[name] <= high``."""
    value = _real(group, name)
    if not low <= value <= high:
        raise ValueError(f"Invalid {label}: {name}={value!r}, expected "
                         f"{low:g} <= {name} <= {high:g}")


def number(group, name):
    """Any real number (only the type is checked)."""
    _real(group, name)


def flag(group, name):
    value = group[name]
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    group[name] = bool(value)


def betas(group):
    """``group["betas"]`` is a pair with ``0 <= beta < 1``; stored as a tuple of floats."""
    value = group["betas"]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {value!r}")
    checked = []
    for i, beta in enumerate(value):
        probe = {f"betas[{i}]": beta}
        _real(probe, f"betas[{i}]")
        beta = probe[f"betas[{i}]"]
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: betas[{i}]={beta!r}, "
                             f"expected 0 <= betas[{i}] < 1")
        checked.append(beta)
    group["betas"] = tuple(checked)


def learning_rate(group):
    at_least(group, "lr", "learning rate")


def weight_decay(group):
    at_least(group, "weight_decay", "weight_decay value")


def epsilon(group):
    positive(group, "eps", "epsilon value")
