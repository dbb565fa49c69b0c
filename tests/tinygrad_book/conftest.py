"""Fixtures shared by the core's tests: a small user-defined Function."""
import pytest

import tinygrad_book as tb


class Cube(tb.Function):
    """y = x³ written as a user would, with its derivative for the graph pages."""

    derivative = "d(x^3)/dx = 3 x^2"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


@pytest.fixture
def cube():
    """The ``Cube`` Function class: twice differentiable, correct to any order."""
    return Cube
