"""tinygrad_book.param_utils: one zero_grad semantics (PyTorch's) for Module and Optimizer,
and plain Python values back from a checkpoint."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn, optim
from tinygrad_book.param_utils import plain


def _grads_with_a_graph(model):
    """Gradients made with create_graph=True: each .grad has a grad_fn, as in PyTorch."""
    x = tb.randn(4, 3)
    loss = (model(x) ** 2).sum()
    loss.backward(create_graph=True)
    return {name: p.grad for name, p in model.named_parameters()}


@pytest.mark.parametrize("zero", [lambda m: m.zero_grad(set_to_none=False),
                                  lambda m: optim.SGD(m.parameters()).zero_grad(set_to_none=False)],
                         ids=["Module", "Optimizer"])
def test_zero_grad_without_set_to_none_zeroes_in_place_and_detaches(zero):
    tb.manual_seed(0)
    model = nn.Linear(3, 2)
    before = _grads_with_a_graph(model)
    assert all(g.grad_fn is not None for g in before.values())
    zero(model)
    for name, p in model.named_parameters():
        assert p.grad is before[name]  # the same Tensor, filled in place
        assert p.grad.grad_fn is None and not p.grad.requires_grad
        np.testing.assert_array_equal(p.grad.data, np.zeros_like(p.data))


@pytest.mark.parametrize("zero", [lambda m: m.zero_grad(),
                                  lambda m: optim.Adam(m.parameters()).zero_grad()],
                         ids=["Module", "Optimizer"])
def test_zero_grad_drops_gradients_by_default(zero):
    model = nn.Linear(3, 2)
    model(tb.randn(4, 3)).sum().backward()
    zero(model)
    assert all(p.grad is None for p in model.parameters())


def test_zero_grad_gives_a_read_only_gradient_an_array_of_its_own():
    p = tb.ones(2, 3, requires_grad=True)
    p.grad = tb.Tensor(np.broadcast_to(np.float32(1), (2, 3)))
    assert not p.grad.data.flags.writeable
    optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad.data.flags.writeable and not p.grad.data.any()


def test_plain_turns_numpy_values_into_python_ones():
    value = {"lr": np.float64(0.1), "betas": np.array([0.9, 0.99]),
             "nested": [np.int64(3), (np.float32(0.5),)]}
    assert plain(value) == {"lr": 0.1, "betas": [0.9, 0.99], "nested": [3, [0.5]]}
    assert type(plain(np.float64(0.1))) is float and type(plain(np.int64(3))) is int
