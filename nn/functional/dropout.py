"""Dropout (book section 6.4.3), in PyTorch's inverted form."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book.autograd import Function
from tinygrad_book.random import default_generator

from ._utils import as_tensor, check_float

if TYPE_CHECKING:
    from tinygrad_book.tensor import Tensor


class DropoutMask(Function):
    """y = x · mask / (1 - p) with mask ~ Bernoulli(1 - p);  dL/dx = g · mask / (1 - p)."""

    @staticmethod
    def forward(ctx, x, p):
        # The generator draws float32 or float64 only; float32 suffices for a threshold.
        draw = x.dtype if x.dtype in (np.float32, np.float64) else np.float32
        keep = default_generator().random(x.shape, dtype=draw) >= p
        scaled = keep * x.dtype.type(1 / (1 - p))
        ctx.save_for_backward(scaled)
        return x * scaled

    @staticmethod
    def backward(ctx, g):
        (scaled,) = ctx.saved_tensors
        return g * scaled


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` while training; identity in eval.

    The book's Dropout (section 6.4.3) keeps activations unscaled in training
    and multiplies by (1 - p) at test time. This is *inverted* dropout, as
    PyTorch: the survivors are scaled by 1/(1 - p) during training, so the
    expected activation is the same in both modes and evaluation is the
    identity. The two give the same network function: a model trained the
    book's way, with its weights after each dropout layer multiplied by
    (1 - p), computes here what the book computes at test time.

    The mask is drawn from ``tinygrad_book.random.default_generator()``, so
    ``tinygrad_book.manual_seed`` makes it reproducible. ``inplace`` is accepted
    for PyTorch compatibility and ignored (a new tensor is returned).
    """
    input = as_tensor(input, "dropout")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)) \
            or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
    if not training or p == 0:
        return input
    check_float(input, "dropout")
    if p == 1:
        return input * 0.0
    return DropoutMask.apply(input, p=float(p))
