"""Optimizers given the wrong things (state that does not fit, what cannot be optimized, bad
parameter groups, gradients of the wrong shape): a clear error, and nothing changed."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim

pytestmark = pytest.mark.reliability


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
