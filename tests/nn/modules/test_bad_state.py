"""Checkpoints that do not fit a Module: each raises an error naming what it got and what it
expected, and leaves the model exactly as it was."""
import numpy as np
import pytest

pytestmark = pytest.mark.reliability


def _state_with(model, **changes):
    """The model's state dict with some entries replaced (None removes one)."""
    sd = model.state_dict()
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            del sd[key]
        else:
            sd[key] = value
    return sd


@pytest.mark.parametrize("make_state, strict, message", [
    (lambda m: _state_with(m, **{"6__bias": None}), True,
     r"Error\(s\) in loading state_dict for Sequential:\n\tMissing key\(s\) in state_dict: "
     r"\"6.bias\"\."),
    (lambda m: dict(m.state_dict(), extra=np.zeros(2)), True,
     r"Unexpected key\(s\) in state_dict: \"extra\"\."),
    (lambda m: _state_with(m, **{"0__weight": np.zeros((4, 1, 5, 5), np.float32)}), True,
     r"size mismatch for 0.weight: copying a param with shape \(4, 1, 5, 5\) from checkpoint, "
     r"the shape in current model is \(4, 1, 3, 3\)\."),
    (lambda m: _state_with(m, **{"0__weight": np.zeros((4, 1, 5, 5), np.float32),
                                 "6__bias": None}), False,
     r"size mismatch for 0.weight"),
    (lambda m: _state_with(m, **{"1__running_mean": np.array(["a"] * 4)}), True,
     r"While copying the parameter named \"1.running_mean\": expected a numeric array, got "
     r"ndarray \(dtype <U1\)"),
    (lambda m: _state_with(m, **{"1__running_var": np.zeros(4, dtype=complex)}), True,
     r"While copying the parameter named \"1.running_var\": expected a numeric array, got "
     r"ndarray \(dtype complex128\)"),
], ids=["missing key", "extra key", "wrong shape", "wrong shape, strict=False",
        "strings", "complex"])
def test_load_state_dict_that_does_not_fit_changes_nothing(trained_setup, assert_unchanged,
                                                           make_state, strict, message):
    model, opt, _, _ = trained_setup
    state = make_state(model)
    # Every other entry holds new values: a partial copy would show.
    for key, value in state.items():
        if isinstance(value, np.ndarray) and value.dtype == np.float32:
            state[key] = value + 1
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=message):
            model.load_state_dict(state, strict=strict)


def test_load_state_dict_of_wrong_type(trained_setup, assert_unchanged):
    model, _, _, _ = trained_setup
    with assert_unchanged(model):
        with pytest.raises(TypeError, match=r"Expected state_dict to be dict-like, got list"):
            model.load_state_dict(list(model.state_dict().values()))
