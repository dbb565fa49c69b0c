"""assert_module_gradcheck: inputs and every parameter, on a float64 copy."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.random import default_generator
from tinygrad_book.testing import assert_module_gradcheck
from tinygrad_book.testing.strategies import shapes


def _state(module):
    return ({k: (p.data.copy(), p.dtype, p.grad) for k, p in module.named_parameters()},
            {k: b.copy() for k, b in module.state_dict().items()},
            [m.training for m in module.modules()])


def _same(before, after):
    (params0, state0, modes0), (params1, state1, modes1) = before, after
    assert modes0 == modes1 and list(params0) == list(params1)
    for k, (data, dtype, grad) in params0.items():
        assert params1[k][1] == dtype and params1[k][2] is grad is None
        np.testing.assert_array_equal(params1[k][0], data)
    for k, v in state0.items():
        assert state1[k].dtype == v.dtype
        np.testing.assert_array_equal(state1[k], v)


def test_a_correct_network_passes_and_is_left_as_it_was():
    tb.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Dropout(0.3),
                          nn.Linear(4, 2))
    before, rng = _state(model), default_generator().bit_generator.state
    copy, (x,) = assert_module_gradcheck(model, (5, 3), second_order=True)
    _same(before, _state(model))
    assert model[0].weight.dtype == np.float32 and copy[0].weight.dtype == np.float64
    assert x.shape == (5, 3) and x.dtype == np.float64
    assert default_generator().bit_generator.state == rng  # Dropout's draws were undone


def test_a_conv_net_in_eval_mode_with_integer_targets_in_the_loss():
    tb.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)
            self.fc = nn.Linear(2 * 2 * 2, 3)

        def forward(self, x, target):
            h = nn.functional.max_pool2d(self.conv(x).tanh(), 2)
            return nn.functional.cross_entropy(self.fc(h.flatten(1)), target)

    net = Net().eval()
    assert_module_gradcheck(net, (2, 1, 4, 4), tb.tensor([0, 2]))
    assert not net.training


class AddWrongBias(tb.Function):
    """y = x + b with dL/db = 5 Σ g (should be Σ g)."""

    @staticmethod
    def forward(ctx, x, b):
        return x + b

    @staticmethod
    def backward(ctx, g):
        return g, 5 * g.sum(axis=0)


class WrongBias(nn.Module):
    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(tb.zeros(2))

    def forward(self, x):
        return AddWrongBias.apply(x, self.bias)


def test_frozen_parameters_are_not_checked():
    module = WrongBias()
    with pytest.raises(AssertionError, match="parameter 'bias'"):
        assert_module_gradcheck(module, (3, 2))
    module.bias.requires_grad_(False)
    assert_module_gradcheck(module, (3, 2))


def test_a_wrong_weight_is_named_with_its_element():
    class Twice(tb.Function):  # y = w * x with dL/dw = 2 g x (should be g x)
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w, 2 * g * x

    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(tb.ones(3))

        def forward(self, x):
            return Twice.apply(x, self.scale)

    model = nn.Sequential(nn.Linear(2, 3), Scale())
    with pytest.raises(AssertionError, match=r"Sequential's first-order gradient is wrong: "
                                             r"gradcheck failed for parameter '1\.scale' "
                                             r"\(shape \(3,\)\) at element \(0,\), output 0 "
                                             r"element 0: analytic"):
        assert_module_gradcheck(model, (1, 2))
    assert model[1].scale.grad is None


def test_a_wrong_input_gradient_is_named_as_an_input():
    class BadIn(tb.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return 3 * g

    class M(nn.Module):
        def forward(self, x, y):
            return BadIn.apply(x) + y

    with pytest.raises(AssertionError, match=r"gradcheck failed for input 0 \(shape \(2,\)\) "
                                             r"at element \(0,\).*\n  inputs: \(2,\), \(2,\) "
                                             r"\(seed 3\); checked in float64 on a copy"):
        assert_module_gradcheck(M(), (2,), (2,), seed=3)


def test_a_search_over_input_shapes_passes_for_a_correct_layer():
    tb.manual_seed(0)
    copy, inputs = assert_module_gradcheck(
        nn.Linear(2, 2), shapes(min_dims=2, max_dims=2, max_side=3).filter(lambda s: s[1] == 2),
        max_examples=3)
    assert inputs is None and copy.weight.dtype == np.float64


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="module must be an nn.Module, got function"):
        assert_module_gradcheck(lambda x: x, (2,))
    with pytest.raises(ValueError, match="give at least one input shape or tensor"):
        assert_module_gradcheck(nn.Linear(2, 2))
    with pytest.raises(ValueError,
                       match="assert_module_gradcheck: max_examples must be positive, got 0"):
        assert_module_gradcheck(nn.Linear(2, 2), shapes(), max_examples=0)
