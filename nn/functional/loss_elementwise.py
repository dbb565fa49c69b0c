"""Element-wise losses: mean squared error (book eq. 4.1) and binary cross-entropy."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import is_grad_enabled

from ._utils import as_tensor, loss_inputs, reduce_loss

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book.tensor import Tensor


def _weighted(fn, loss, weight):
    """``loss`` rescaled element-wise by the optional, broadcasting ``weight``."""
    return loss if weight is None else loss * as_tensor(weight, fn, "weight")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error (x - y)², as PyTorch (the book's sum of squares, eq. 4.1,
    is ``0.5 * mse_loss(y, t, reduction='sum')``)."""
    input, target = loss_inputs("mse_loss", input, target, reduction)
    diff = input - target
    sq = diff * diff
    return reduce_loss(sq, reduction)


class StableSoftplus(Function):
    """y = log(1 + e^x) = max(x, 0) + log1p(e^-|x|);  dy/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sigmoid()


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable expression, as PyTorch.

    loss = (1 - t)·x + (1 + (pos_weight - 1)·t)·softplus(-x), which equals
    -[t log σ(x) + (1 - t) log(1 - σ(x))] for pos_weight = 1 without ever
    taking log(0). ``weight`` rescales each element; ``pos_weight`` (broadcast
    over the last, class, axis) weighs the positive term.
    """
    fn = "binary_cross_entropy_with_logits"
    input, target = loss_inputs(fn, input, target, reduction)
    softplus_neg = StableSoftplus.apply(-input)
    if pos_weight is not None:
        pos_weight = as_tensor(pos_weight, fn, "pos_weight")
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    return reduce_loss(_weighted(fn, loss, weight), reduction)


class BinaryCrossEntropy(Function):
    """L = -[t log p + (1 - t) log(1 - p)] with each log clamped at -100, as PyTorch's.

    The clamp keeps a probability of exactly 0 or 1 finite (a loss of at most
    100 per element) instead of inf. dL/dp = (p - t) / max(p (1 - p), 1e-12)
    and dL/dt = log(1 - p) - log p, with the same clamps (PyTorch leaves these
    unclamped: ±inf at p = 0 or 1).
    """

    @staticmethod
    def forward(ctx, p, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), p.dtype.type(-100))
            log_q = np.maximum(np.log1p(-p), p.dtype.type(-100))
        ctx.save_for_backward(p, t, log_q - log_p)
        return -(t * log_p + (1 - t) * log_q)

    @staticmethod
    def backward(ctx, g):
        p, t, dt = ctx.saved_tensors
        gp = gt = None
        if ctx.needs_input_grad[0]:
            gp = g * (p - t) / (p * (1 - p)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            if is_grad_enabled():  # recorded (create_graph): the logs must depend on p
                dt = (1 - p).log().clamp(min=-100) - p.log().clamp(min=-100)
            gt = g * dt
        return gp, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against ``target``, as PyTorch.

    loss = -w [t log p + (1 - t) log(1 - p)], each log clamped at -100 so that
    a probability of exactly 0 or 1 gives a finite loss. ``input`` and
    ``target`` have the same shape; ``weight`` broadcasts against them. Prefer
    :func:`binary_cross_entropy_with_logits` on scores: it never needs the clamp.
    """
    fn = "binary_cross_entropy"
    input, target = loss_inputs(fn, input, target, reduction)
    p = input.data
    if p.size and not ((p >= 0) & (p <= 1)).all():  # NaN fails too
        raise RuntimeError(f"{fn}(): all elements of input should be between 0 and 1 "
                           f"(probabilities), got values in [{np.min(p)}, {np.max(p)}]; for "
                           "scores use binary_cross_entropy_with_logits")
    loss = BinaryCrossEntropy.apply(input, target)
    return reduce_loss(_weighted(fn, loss, weight), reduction)
