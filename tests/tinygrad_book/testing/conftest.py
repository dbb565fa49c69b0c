"""Fixtures shared by the tests of ``tinygrad_book.testing``: a Function with a planted bug
that every checker must catch."""
import pytest

import tinygrad_book as tb


class WrongSquare(tb.Function):
    """x² with a deliberately wrong derivative (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x


@pytest.fixture
def wrong_square():
    """The ``WrongSquare`` Function class (reports name it ``WrongSquare.apply``)."""
    return WrongSquare
