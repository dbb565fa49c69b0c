"""The property-based checks find planted gradient bugs and report them at their smallest.

Each Function/Module here is wrong on purpose, in a way an ordinary hand-picked
gradcheck input (same shapes, positive axes) does not show.
"""
import re

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.testing import assert_gradcheck, assert_module_gradcheck, gradcheck_property
from tinygrad_book.testing.strategies import axes, broadcastable_shapes, shapes, tensors


def _shapes_in(message):
    """The shapes of the tensors listed in a gradcheck_property report, in order."""
    return [tuple(int(s) for s in re.findall(r"\d+", m))
            for m in re.findall(r"\n  argument \d+: float64 tensor of shape \(([\d, ]*)\)",
                                message)]


def _lacks_or_broadcasts_an_axis(a, b):
    """True when a has fewer axes than b or a size-1 axis where b is longer."""
    if len(a) < len(b):
        return True
    # zip stops at the shorter shape: the trailing axes align, as in broadcasting
    return any(x == 1 and y > 1 for x, y in zip(a[::-1], b[::-1], strict=False))


# -- (a) un-broadcasting bugs --------------------------------------------------------------------

def _sum_leading_axes_then_reshape(g, shape):
    """A hand-written un-broadcast that sums the missing leading axes but forgets the
    size-1 ones: it reshapes where it should sum."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    return g.reshape(shape)


class ForgetsSizeOneAxes(tb.Function):
    """z = a + b, whose backward forgets to un-broadcast over size-1 axes."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, g):
        return tuple(_sum_leading_axes_then_reshape(g, s) for s in ctx.shapes)


class UnbroadcastsTooEarly(tb.Function):
    """z = a * b, whose backward un-broadcasts g before multiplying by the other operand
    (sum(g) * b instead of sum(g * b)): right when the shapes are equal, wrong when one
    operand was broadcast. The engine's own un-broadcast cannot repair it."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _sum_to(g, a.shape) * b, _sum_to(g, b.shape) * a


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    axes_ = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                       if s == 1 and g.shape[lead + i] != 1)
    return (g.sum(axis=axes_, keepdims=True) if axes_ else g).reshape(shape)


@pytest.mark.parametrize("op", [ForgetsSizeOneAxes, UnbroadcastsTooEarly])
def test_an_unbroadcast_bug_passes_equal_shapes_but_is_found_and_shrunk(op):
    assert_gradcheck(op.apply, (2, 3), (2, 3))  # the hand-picked check does not see it
    with pytest.raises(AssertionError) as info:
        gradcheck_property(op.apply, broadcastable_shapes(2, max_dims=3, max_side=3),
                           max_examples=60, seed=0)
    message = str(info.value)
    assert message.startswith(f"gradcheck_property: {op.__name__}.apply fails the "
                              "first-order gradient check; the smallest failing example "
                              "Hypothesis found:\n  argument 0: float64 tensor of shape ")
    a, b = _shapes_in(message)
    assert _lacks_or_broadcasts_an_axis(a, b) or _lacks_or_broadcasts_an_axis(b, a), message
    assert max(a + b) == 2 and np.prod(a) * np.prod(b) == 2, message  # shrunk: one axis of 2
    assert "To reproduce: pass seed=0 (with max_examples=60)" in message


def test_unbroadcast_too_early_report_has_the_element_level_gradcheck_report():
    with pytest.raises(AssertionError) as info:
        gradcheck_property(UnbroadcastsTooEarly.apply,
                           broadcastable_shapes(2, max_dims=3, max_side=3),
                           max_examples=60, seed=0)
    message = str(info.value)
    assert re.search(r"\ngradcheck failed for input [01] \(shape \((2,)?\)\) at element "
                     r"\(\d?,?\), output 0 element \d: analytic [-\d.e]+ vs numeric [-\d.e]+ "
                     r"\(difference [-\d.e]+ > tolerance", message), message


def test_forgetting_size_one_axes_reports_the_error_fn_raised():
    with pytest.raises(AssertionError, match=r"ValueError: .*reshape") as info:
        gradcheck_property(ForgetsSizeOneAxes.apply,
                           broadcastable_shapes(2, max_dims=3, max_side=3),
                           max_examples=60, seed=0)
    assert isinstance(info.value.__cause__, ValueError)  # the original traceback is kept


# -- (b) a backward wrong only for negative axes --------------------------------------------------

class SumNegativeAxisBug(tb.Function):
    """z = Σ x over ``axis``, whose backward re-inserts the reduced axes with
    ``list.insert``: right for axis >= 0, but insert(-1, 1) puts the axis *before*
    the last one, so a negative axis spreads the gradient along the wrong axis."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.in_shape = x.shape
        ctx.axes = axis if isinstance(axis, tuple) else (axis,)
        return np.sum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        shape = list(g.shape)
        for a in sorted(ctx.axes):
            shape.insert(a, 1)
        return g.reshape(tuple(shape)) * tb.ones(ctx.in_shape, dtype=g.dtype), None


def test_negative_axis_bug_is_found_and_shrunk_to_a_negative_axis():
    # The bug needs two axes or more. Drawing the axis before the values lets the shape
    # shrink without disturbing the axis; 150 examples found it for each of 30 seeds tried.
    @gradcheck_property(max_examples=150, seed=0)
    def check(draw):
        shape = draw(shapes(min_dims=2, max_dims=3, max_side=3))
        axis = draw(axes(len(shape)))
        return (lambda t: SumNegativeAxisBug.apply(t, axis)), draw(tensors(shape))

    with pytest.raises(AssertionError) as info:
        check()
    message = str(info.value)
    (shape,) = _shapes_in(message)
    axis = eval(re.search(r"\n  draw 2 \(not an argument\): (.+)", message).group(1))
    axis = axis if isinstance(axis, tuple) else (axis,)
    assert any(a < 0 for a in axis), message
    assert max(shape) == 2 and np.prod(shape) == 2, message  # one axis of 2: the smallest
    assert "gradcheck failed for input 0" in message


def test_negative_axis_bug_passes_for_non_negative_axes():
    @gradcheck_property(max_examples=30, seed=0)
    def check(draw):
        shape = draw(shapes(min_dims=2, max_dims=3, max_side=3))
        axis = draw(axes(len(shape)).filter(
            lambda a: min(a if isinstance(a, tuple) else (a,)) >= 0))
        return (lambda t: SumNegativeAxisBug.apply(t, axis)), draw(tensors(shape))

    check()


# -- (c) a Module whose bias gradient is off by a factor -------------------------------------------

class LinearBiasBug(tb.Function):
    """y = x Wᵀ + b, whose backward doubles the bias gradient (2 Σ g instead of Σ g)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return x @ weight.T + bias

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        return g @ weight, g.transpose() @ x, 2 * g.sum(axis=0)


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(tb.randn(out_features, in_features))
        self.bias = nn.Parameter(tb.randn(out_features))

    def forward(self, x):
        return LinearBiasBug.apply(x, self.weight, self.bias)


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = MyLinear(3, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).tanh())


def test_module_bias_bug_is_named_by_its_parameter_name():
    tb.manual_seed(0)
    with pytest.raises(AssertionError) as info:
        assert_module_gradcheck(TwoLayer(), (2, 3))
    message = str(info.value)
    assert re.match(r"assert_module_gradcheck: TwoLayer's first-order gradient is wrong: "
                    r"gradcheck failed for parameter 'fc1\.bias' \(shape \(4,\)\) at element "
                    r"\(0,\), output 0 element 0: analytic [-\d.e]+ vs numeric [-\d.e]+ ",
                    message), message
    assert message.endswith("inputs: (2, 3) (seed 0); checked in float64 on a copy")


def test_module_bias_bug_is_found_and_shrunk_over_batch_sizes():
    tb.manual_seed(0)
    with pytest.raises(AssertionError) as info:
        assert_module_gradcheck(TwoLayer(), shapes(min_dims=2, max_dims=2, max_side=4)
                                .filter(lambda s: s[1] == 3), max_examples=10)
    message = str(info.value)
    assert "gradcheck failed for parameter 'fc1.bias' (shape (4,)) at element (0,)" in message
    assert "  input 0: float64 tensor of shape (1, 3) = [[1.0, " in message, message
    assert "  parameter 'fc1.weight': float64 tensor of shape (4, 3)\n" in message
    assert "To reproduce: pass seed=0 (with max_examples=10)" in message
