"""Mistakes with state: checkpoints that do not fit, optimizers given the wrong things,
backward called wrongly, non-finite gradients. Each raises an error naming what it got
and what it expected, and leaves model, optimizer and gradients exactly as they were."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim

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


def test_load_state_dict_reports_every_problem_at_once(trained_setup):
    model, _, _, _ = trained_setup
    state = _state_with(model, **{"6__bias": None, "0__weight": np.zeros(3, np.float32)})
    state["stray"] = np.zeros(1)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    text = str(info.value)
    assert 'Unexpected key(s) in state_dict: "stray"' in text
    assert 'Missing key(s) in state_dict: "6.bias"' in text
    assert "size mismatch for 0.weight: copying a param with shape (3,)" in text


def test_load_state_dict_of_wrong_type(trained_setup, assert_unchanged):
    model, _, _, _ = trained_setup
    with assert_unchanged(model):
        with pytest.raises(TypeError, match=r"Expected state_dict to be dict-like, got list"):
            model.load_state_dict(list(model.state_dict().values()))


@pytest.mark.parametrize("edit, message", [
    (lambda sd: sd["state"][0].update(exp_avg=np.zeros((9, 9))),
     r"Adam.load_state_dict\(\): state\[0\]\['exp_avg'\] has shape \(9, 9\), but parameter 0 "
     r"has shape \(4, 1, 3, 3\)"),
    (lambda sd: sd["param_groups"][0]["params"].pop(),
     r"Adam.load_state_dict\(\): loaded parameter group 0 has 5 parameters, but this "
     r"optimizer's group 0 has 6"),
    (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])),
     r"Adam.load_state_dict\(\): loaded state dict has 2 parameter groups, but this optimizer "
     r"has 1"),
    (lambda sd: sd["param_groups"][0].update(lr=-1.0),
     r"Adam.load_state_dict\(\): parameter group 0: Invalid learning rate: lr=-1.0"),
    (lambda sd: sd["param_groups"][0].pop("betas"),
     r"Adam.load_state_dict\(\): loaded parameter group 0 lacks \['betas'\]; was it saved from "
     r"a different optimizer\?"),
    (lambda sd: sd["state"].update({17: {"step": 1}}),
     r"Adam.load_state_dict\(\): state for parameter 17, which no parameter group lists"),
], ids=["moment shape", "fewer parameters", "extra group", "invalid lr", "other optimizer",
        "unknown index"])
def test_optimizer_load_state_dict_that_does_not_fit_changes_nothing(
        trained_setup, assert_unchanged, edit, message):
    model, opt, _, _ = trained_setup
    sd = opt.state_dict()
    for entries in sd["state"].values():  # new values everywhere: a partial load would show
        for k, v in entries.items():
            if isinstance(v, np.ndarray):
                entries[k] = v + 1
    edit(sd)
    with assert_unchanged(model, opt):
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(sd)


@pytest.mark.parametrize("params, error, message", [
    ([], ValueError, r"optimizer got an empty parameter list"),
    (iter(()), ValueError, r"optimizer got an empty parameter list"),
    ([{"params": []}], ValueError, r"optimizer got an empty parameter list \(parameter group 0\)"),
    ([np.zeros(3)], TypeError, r"optimizer can only optimize Tensors, but parameter 0 of group 0 "
                               r"is a ndarray"),
    ([1.0, 2.0], TypeError, r"optimizer can only optimize Tensors, but parameter 0 of group 0 is "
                            r"a float"),
    (tb.zeros(3, requires_grad=True), TypeError,
     r"params argument given to the optimizer should be an iterable of Tensors or dicts, but "
     r"got Tensor; wrap a single tensor in a list"),
    (None, TypeError, r"params argument given to the optimizer should be an iterable of Tensors "
                      r"or dicts, but got NoneType"),
    ({tb.zeros(3, requires_grad=True)}, TypeError,
     r"optimizer parameters need to be organized in ordered collections"),
    ([tb.tensor([1, 2])], TypeError, r"optimizer can only optimize floating point tensors, but "
                                     r"parameter 0 of group 0 has dtype int64"),
    ([tb.zeros(2, requires_grad=True) * 2], ValueError,
     r"can't optimize a non-leaf Tensor: parameter 0 of group 0 was made by MulBackward"),
], ids=["empty list", "empty generator", "empty group", "ndarray", "floats", "single tensor",
        "None", "set", "integer tensor", "non-leaf"])
def test_optimizer_refuses_what_it_cannot_optimize(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_adding_a_bad_param_group_changes_nothing(trained_setup, assert_unchanged):
    model, opt, _, _ = trained_setup
    groups_before = len(opt.param_groups)
    with assert_unchanged(model, opt):
        with pytest.raises(ValueError, match=r"some parameters appear in more than one parameter "
                                             r"group \(groups 0 and 1\)"):
            opt.add_param_group({"params": [model[0].weight]})
        with pytest.raises(ValueError, match=r"parameter group 1: Invalid learning rate: lr=-0.5"):
            opt.add_param_group({"params": [tb.zeros(2, requires_grad=True)], "lr": -0.5})
    assert len(opt.param_groups) == groups_before


def test_step_with_a_gradient_of_the_wrong_shape_changes_nothing(trained_setup, assert_unchanged):
    model, opt, _, _ = trained_setup
    model[6].bias.grad = tb.ones(7)  # the last parameter: every earlier one would update first
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"Adam.step\(\): a parameter of shape \(3,\) and "
                                               r"dtype float32 has a gradient of shape \(7,\) and "
                                               r"dtype float32; they must match"):
            opt.step()


def test_clip_grad_norm_refuses_non_finite_gradients_and_leaves_them(trained_setup,
                                                                     assert_unchanged):
    model, opt, x, t = trained_setup
    opt.zero_grad()
    F.cross_entropy(model(x), t).backward()
    model[0].weight.grad.data[0, 0, 0, 0] = np.nan
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from "
                                               r"`parameters` is non-finite, so it cannot be "
                                               r"clipped"):
            nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    # Without the flag the norm is reported as nan, as PyTorch does: the caller can see it.
    assert np.isnan(nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())


def test_backward_twice_is_refused_and_keeps_the_first_gradient():
    x = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    first = x.grad.data.copy()
    with pytest.raises(RuntimeError, match=r"Trying to backward through MulBackward a second "
                                           r"time \(or to read its saved tensors after they were "
                                           r"freed\).*retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, first)


def test_backward_twice_through_a_model(trained_setup, assert_unchanged):
    model, opt, x, t = trained_setup
    opt.zero_grad()
    loss = F.cross_entropy(model(x), t)
    loss.backward()
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"Trying to backward through \w+Backward a second "
                                               r"time"):
            loss.backward()


@pytest.mark.parametrize("make", [
    lambda: tb.ones(3).sum(),
    lambda: tb.ones(3, requires_grad=True).detach().sum(),
    lambda: _under_no_grad(),
], ids=["plain tensor", "detached", "made under no_grad"])
def test_backward_on_a_tensor_that_does_not_require_grad(make):
    with pytest.raises(RuntimeError, match=r"backward\(\): this tensor does not require grad and "
                                           r"has no grad_fn; make its inputs with "
                                           r"requires_grad=True \(and not under no_grad\(\)\)"):
        make().backward()


def _under_no_grad():
    x = tb.ones(3, requires_grad=True)
    with tb.no_grad():
        return (x * 2).sum()


def test_backward_of_a_non_scalar_without_gradient_names_the_shape():
    x = tb.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for outputs "
                                           r"with one element, but this tensor has shape "
                                           r"\(2, 3\); pass gradient= of that shape"):
        (x * 2).backward()
    assert x.grad is None


def test_in_place_change_of_a_parameter_under_grad_mode_is_refused(trained_setup,
                                                                    assert_unchanged):
    model, opt, _, _ = trained_setup
    w = model[6].weight
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"add_\(\): an in-place change of a tensor that "
                                               r"requires grad would corrupt the graph; wrap it in "
                                               r"tinygrad_book.no_grad\(\)"):
            w.add_(1.0)
        with pytest.raises(RuntimeError, match=r"in-place assignment to a tensor that requires "
                                               r"grad would corrupt the graph"):
            w[0, 0] = 5.0
