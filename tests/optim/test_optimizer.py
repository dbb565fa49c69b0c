"""The Optimizer base: parameter groups, validation, zero_grad, step, dtypes."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.optim import _checks

ALL = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.Momentum, dict(lr=0.1)),
    (optim.Nesterov, dict(lr=0.1)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1, weight_decay=0.1)),
    (optim.AdaGrad, dict(lr=0.1)),
    (optim.RMSprop, dict(centered=True, momentum=0.9, weight_decay=0.1)),
    (optim.Adadelta, dict(weight_decay=0.1)),
    (optim.Adam, dict(amsgrad=True, weight_decay=0.1)),
    (optim.AdamW, dict(amsgrad=True)),
    (optim.Adamax, dict(weight_decay=0.1)),
    (optim.NAdam, dict(weight_decay=0.1)),
    (optim.RAdam, dict(weight_decay=0.1)),
]
IDS = [cls.__name__ for cls, _ in ALL]


def param(*shape, seed=0, dtype=np.float32):
    data = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    return tb.Tensor(data, requires_grad=True)


def quadratic_step(opt, params):
    opt.zero_grad()
    loss = sum((p * p).sum() for p in params)
    loss.backward()
    opt.step()


# -- construction ------------------------------------------------------------------

def test_param_groups_take_defaults_and_their_own_hyperparameters():
    a, b = param(2), param(3)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert len(opt.param_groups) == 2
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"][0] is b
    assert opt.defaults["lr"] == 0.1


def test_generator_of_parameters_is_accepted():
    ps = [param(2), param(3)]
    opt = optim.Adam(p for p in ps)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in ps]


def test_add_param_group_validates_and_changes_nothing_on_failure():
    a, b, c = param(2), param(2), param(2)
    opt = optim.Adam([a], lr=0.01)
    with pytest.raises(ValueError, match=r"parameter group 1: Invalid learning rate: lr=-1\.0"):
        opt.add_param_group({"params": [b], "lr": -1})
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [b, a]})
    with pytest.raises(ValueError, match="must have a 'params' entry"):
        opt.add_param_group({"lr": 0.1})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": [b, c], "betas": [0.5, 0.6]})
    assert opt.param_groups[1]["betas"] == (0.5, 0.6) and opt.param_groups[1]["lr"] == 0.01


@pytest.mark.parametrize("params, error, message", [
    ([], ValueError, "optimizer got an empty parameter list"),
    (tb.Tensor(np.zeros(2), requires_grad=True), TypeError, "iterable of Tensors or dicts"),
    ([np.zeros(2)], TypeError,
     "can only optimize Tensors, but parameter 0 of group 0 is a ndarray"),
    ([tb.Tensor(np.zeros(2), requires_grad=True) * 2], ValueError, "can't optimize a non-leaf"),
    ([tb.Tensor(np.zeros(2, dtype=np.int64))], TypeError, "floating point"),
    (5, TypeError, "iterable of Tensors or dicts, but got int"),
])
def test_bad_parameter_lists_are_refused(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_duplicates_and_sets_are_refused():
    p = param(2)
    with pytest.raises(ValueError,
                       match="parameter 1 of group 0 is the same tensor as parameter 0"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p}, lr=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), r"Invalid learning rate: lr=-0\.1, expected lr >= 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), r"Invalid momentum value: momentum=-0\.5"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1),
     r"Invalid weight_decay value: weight_decay=-1\.0"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True),
     r"Nesterov momentum requires a momentum and zero dampening: got nesterov=True with "
     r"momentum=0\.0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     r"dampening=0\.1; expected momentum > 0 and dampening=0"),
    (lambda p: optim.Momentum(p, lr=-1), r"Invalid learning rate: lr=-1\.0"),
    (lambda p: optim.Nesterov(p, momentum=-0.9), r"Invalid momentum value: momentum=-0\.9"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)),
     r"Invalid beta parameter at index 0: betas\[0\]=1\.0, expected 0 <= betas\[0\] < 1"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)),
     r"Invalid beta parameter at index 1: betas\[1\]=-0\.1"),
    (lambda p: optim.Adam(p, eps=0), r"Invalid epsilon value: eps=0\.0, expected eps > 0"),
    (lambda p: optim.AdamW(p, eps=-1e-8), r"Invalid epsilon value: eps=-1e-08"),
    (lambda p: optim.Adam(p, weight_decay=-0.1), r"Invalid weight_decay value: weight_decay=-0\.1"),
    (lambda p: optim.Adamax(p, lr=-2e-3), r"Invalid learning rate: lr=-0\.002"),
    (lambda p: optim.NAdam(p, momentum_decay=-1),
     r"Invalid momentum_decay value: momentum_decay=-1\.0"),
    (lambda p: optim.RAdam(p, betas=(0.9, 1.5)),
     r"Invalid beta parameter at index 1: betas\[1\]=1\.5"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), r"Invalid lr_decay value: lr_decay=-1\.0"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
     r"Invalid initial_accumulator_value value: initial_accumulator_value=-1\.0"),
    (lambda p: optim.AdaGrad(p, eps=0), r"Invalid epsilon value: eps=0\.0"),
    (lambda p: optim.RMSprop(p, alpha=1.5),
     r"Invalid alpha value: alpha=1\.5, expected 0 <= alpha <= 1"),
    (lambda p: optim.RMSprop(p, momentum=-0.1), r"Invalid momentum value: momentum=-0\.1"),
    (lambda p: optim.Adadelta(p, rho=2.0), r"Invalid rho value: rho=2\.0"),
    (lambda p: optim.Adadelta(p, lr=float("nan")), r"Invalid learning rate: lr=nan"),
])
def test_invalid_hyperparameters_are_value_errors_naming_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make([param(2)])


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr="0.1"), "lr must be a number, got str '0.1'"),
    (lambda p: optim.Adam(p, betas=0.9), r"betas must be a pair \(beta1, beta2\), got 0\.9"),
    (lambda p: optim.Adam(p, amsgrad="yes"), "amsgrad must be True or False, got str 'yes'"),
    (lambda p: optim.SGD(p, lr=True), "lr must be a number, got bool True"),
])
def test_wrongly_typed_hyperparameters_are_type_errors(make, message):
    with pytest.raises(TypeError, match=message):
        make([param(2)])


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_every_hyperparameter_is_checked_by_its_names_rule(cls, kwargs):
    """Each hyperparameter is checked by the rule of its name (optim._checks.RULES), one rule
    for every optimizer that has it: a new name needs its rule there, or goes unchecked."""
    opt = cls([param(2)], **kwargs)
    assert set(opt.defaults) <= set(_checks.RULES), sorted(set(opt.defaults) - set(_checks.RULES))


# -- zero_grad and step ----------------------------------------------------------------

def test_zero_grad_sets_to_none_or_fills_zeros():
    p = param(3)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    assert p.grad is not None
    opt.zero_grad()
    assert p.grad is None
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.data, np.zeros(3, dtype=np.float32))
    (p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad.data, np.full(3, 3, dtype=np.float32))


def test_zero_grad_false_on_a_grad_with_history_detaches_it():
    p = param(2)
    opt = optim.SGD([p], lr=0.1)
    (p * p * p).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad.data, [0, 0])


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_parameters_without_grad_are_skipped(cls, kwargs):
    a, b = param(3, seed=1), param(2, seed=2)
    before = b.data.copy()
    opt = cls([a, b], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        (a * a).sum().backward()
        opt.step()
    np.testing.assert_array_equal(b.data, before)
    assert not opt.state.get(b)
    assert not np.allclose(a.data, param(3, seed=1).data)


def test_step_with_closure_returns_its_loss_and_uses_its_gradient():
    p = tb.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append(1)
        return loss

    with tb.no_grad():
        loss = opt.step(closure)
    assert calls == [1] and loss.item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * 2.0, -2.0 + 0.1 * 4.0])
    assert opt.step() is None


def test_a_bad_gradient_is_refused_before_any_parameter_changes():
    a, b = param(2), param(3)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = tb.Tensor(np.ones(2, dtype=np.float32))
    b.grad = tb.Tensor(np.ones(4, dtype=np.float32))
    before = a.data.copy()
    with pytest.raises(RuntimeError, match=r"shape \(3,\) and dtype float32 has a gradient of "
                                           r"shape \(4,\) and dtype float32"):
        opt.step()
    np.testing.assert_array_equal(a.data, before)
    assert not opt.state.get(a)
    b.grad = tb.Tensor(np.ones(3, dtype=np.float64))
    with pytest.raises(RuntimeError, match="dtype float64"):
        opt.step()
    b.grad = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError, match="has a .grad of type ndarray; expected a Tensor"):
        opt.step()


def test_step_does_not_modify_the_gradient():
    p = param(4)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5, maximize=True)
    (p * p).sum().backward()
    grad = p.grad.data.copy()
    opt.step()
    opt.step()
    np.testing.assert_array_equal(p.grad.data, grad)


def test_step_leaves_no_graph_behind():
    p = param(3)
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.is_leaf and p.requires_grad
    assert all(not s.requires_grad for s in opt.state[p].values() if isinstance(s, tb.Tensor))


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_float32_stays_float32(cls, kwargs):
    ps = [param(4, 3, seed=3), param(3, seed=4)]
    # An np.float64 learning rate (as from a random search) must not promote the update.
    opt = cls(ps, **dict(kwargs, lr=np.float64(0.01)))
    for _ in range(3):
        quadratic_step(opt, ps)
    for p in ps:
        assert p.dtype == np.float32
        for key, value in opt.state[p].items():
            if isinstance(value, tb.Tensor):
                assert value.dtype == np.float32, key
                assert value.shape == p.shape, key
    assert type(opt.param_groups[0]["lr"]) is float


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_every_optimizer_reduces_a_quadratic(cls, kwargs):
    ps = [param(5, seed=5, dtype=np.float64)]
    start = float((ps[0] * ps[0]).sum().item())
    if cls is not optim.Adadelta:  # Adadelta's lr is a scale, 1.0 by default
        kwargs = dict(kwargs, lr=kwargs.get("lr", 0.05))
    opt = cls(ps, **kwargs)
    for _ in range(50):
        quadratic_step(opt, ps)
    assert float((ps[0] * ps[0]).sum().item()) < 0.9 * start


def test_maximize_ascends():
    p = tb.Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, maximize=True)
    for _ in range(5):
        quadratic_step(opt, [p])
    assert p.data[0] > 1.4


def test_repr_lists_groups_and_hyperparameters():
    opt = optim.SGD([param(2)], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text and "    momentum: 0.9\n" in text
