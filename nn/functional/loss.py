"""Loss functions (book section 4.2, and the Softmax-with-Loss layer of section 5.6.3)."""
import numbers

import numpy as np

from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import is_grad_enabled
from tinygrad_book.tensor import Tensor

from ._utils import (as_tensor, check_float, check_mean_of_empty, check_reduction,
                     check_same_dtype)
from .activation import _log_softmax_array, log_softmax


def _class_axis(ndim):
    """Shape that puts a (C,) vector on axis 1 of an (N, C, d1, ...) array."""
    return (1, -1) + (1,) * (ndim - 2)


class CrossEntropy(Function):
    """L = Σ_i -Σ_c a_ic log softmax(x_i)_c / denominator, fused (the book's Softmax-with-Loss).

    ``a`` is the weighted target distribution (one-hot rows for class targets,
    smoothed and class-weighted as PyTorch). Then dL/dx = (softmax(x)·Σ_c a - a)
    / denominator — the book's (y - t)/N when a is one-hot — and dL/da = -log
    softmax(x) / denominator. Log-softmax is x - max - log Σ e^(x - max), so
    logits of 1e4 neither overflow nor produce log(0).
    """

    @staticmethod
    def forward(ctx, x, a, reduction, denominator):
        logp = _log_softmax_array(x, 1)
        per_item = -(a * logp).sum(axis=1)
        ctx.reduction, ctx.denominator = reduction, denominator
        ctx.attrs = dict(reduction=reduction)
        ctx.save_for_backward(x, a, logp)
        if reduction == "none":
            return per_item
        return np.asarray(per_item.sum() / denominator, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, a, logp = ctx.saved_tensors
        if is_grad_enabled():
            # A recorded backward (create_graph) needs log-softmax as a function of x.
            logp = log_softmax(x, dim=1)
        # Per-item weight of the incoming gradient, shaped to broadcast over classes.
        scale = g.unsqueeze(1) if ctx.reduction == "none" else g / ctx.denominator
        gx = ga = None
        if ctx.needs_input_grad[0]:
            gx = (logp.exp() * a.sum(axis=1, keepdims=True) - a) * scale
        if ctx.needs_input_grad[1]:
            ga = -logp * scale
        return gx, ga


def _check_logits(fn, input):
    input = as_tensor(input, fn)
    check_float(input, fn)
    if input.ndim < 1:
        raise ValueError(f"{fn}(): expected input of shape (N, C), (N, C, d1, ...) or (C,), got "
                         f"a 0-D tensor")
    return input


def _class_targets(fn, input, target, ignore_index):
    """Validate integer class targets against (N, C, ...) input; return (target, valid mask)."""
    expected = input.shape[:1] + input.shape[2:]
    if target.shape != expected:
        raise ValueError(
            f"{fn}(): class-index target must have shape {expected} for input of shape "
            f"{input.shape}, got {target.shape}")
    t = target.data
    valid = t != ignore_index
    c = input.shape[1]
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise ValueError(f"{fn}(): target {int(t[bad].flat[0])} is out of bounds: classes are "
                         f"0..{c - 1} (input shape {input.shape})")
    return np.where(valid, t, 0), valid


def _unbatch(fn, input, target, probabilities):
    """Unbatched (C,) input with a scalar (or (C,) probability) target becomes a batch of 1."""
    if input.ndim == 1:
        expected = input.shape if probabilities else ()
        if target.shape != expected:
            what = "class probabilities" if probabilities else "one class index"
            raise ValueError(f"{fn}(): for unbatched input of shape {input.shape} the target "
                             f"must have shape {expected} ({what}), got {target.shape}")
        input = input.reshape(1, -1)
        target = target.reshape((1, -1) if probabilities else (1,))
        return input, target, True
    return input, target, False


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax followed by the cross-entropy error (book eq. 4.3), fused and stable.

    Args:
        input: logits (N, C), (N, C, d1, ...) or unbatched (C,).
        target: integer class indices (N,) / (N, d1, ...), or class
            probabilities with the input's shape (which may require grad).
        weight: optional (C,) rescaling of each class.
        ignore_index: class-index targets equal to it contribute nothing.
        reduction: 'mean' (over items; with class targets, the weighted mean
            Σ w_t·loss / Σ w_t, as PyTorch), 'sum' or 'none' (per item).
        label_smoothing: ε in [0, 1]: the target becomes (1 - ε)·target + ε/C.
    """
    fn = "cross_entropy"
    input = _check_logits(fn, input)
    target = as_tensor(target, fn, "target")
    check_reduction(reduction, fn)
    check_mean_of_empty(input, reduction, fn)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real):
        raise TypeError(f"{fn}(): label_smoothing must be a number in [0, 1], got "
                        f"{type(label_smoothing).__name__} {label_smoothing!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}(): label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing!r}")
    probabilities = target.dtype.kind == "f"
    if not probabilities and target.dtype.kind not in "iu":
        raise TypeError(f"{fn}(): target must hold integer class indices or float "
                        f"probabilities, got dtype {target.dtype}")
    input, target, unbatched = _unbatch(fn, input, target, probabilities)
    c = input.shape[1]
    w = None
    if weight is not None:
        weight = as_tensor(weight, fn, "weight")
        if weight.shape != (c,):
            raise ValueError(f"{fn}(): weight must have shape ({c},) (one per class), got "
                             f"{weight.shape}")
        w = weight.data.astype(input.dtype, copy=False)
    eps = input.dtype.type(label_smoothing)
    if probabilities:
        if target.shape != input.shape:
            raise ValueError(f"{fn}(): a probability target must have the input's shape "
                             f"{input.shape}, got {target.shape}")
        check_same_dtype(fn, input=input, target=target)
        a = target if not label_smoothing else target * (1 - eps) + eps / c
        if w is not None:
            a = a * Tensor(w.reshape(_class_axis(input.ndim)))
        denominator = input.size // c
    else:
        t, valid = _class_targets(fn, input, target, ignore_index)
        onehot = np.zeros(input.shape, dtype=input.dtype)
        np.put_along_axis(onehot, np.expand_dims(t, 1), 1, axis=1)
        w_t = valid.astype(input.dtype) if w is None else np.where(valid, w[t], 0).astype(
            input.dtype)
        a_arr = onehot * np.expand_dims(w_t * (1 - eps), 1)
        if label_smoothing:
            per_class = np.ones(c, dtype=input.dtype) if w is None else w
            a_arr += (eps / c) * per_class.reshape(_class_axis(input.ndim)) * np.expand_dims(
                valid, 1)
        a = Tensor(a_arr)
        denominator = w_t.sum()
    denominator = input.dtype.type(denominator if reduction == "mean" else 1)
    out = CrossEntropy.apply(input, a, reduction=reduction, denominator=denominator)
    return out.reshape(()) if unbatched and reduction == "none" else out


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class targets given log-probabilities, as PyTorch.

    ``input`` (N, C) or (N, C, d1, ...) log-probabilities (e.g. from
    ``log_softmax``); ``target`` integer classes. loss_i = -w_t · input[i, t];
    'mean' divides by Σ w_t over non-ignored items.
    """
    fn = "nll_loss"
    input = _check_logits(fn, input)
    target = as_tensor(target, fn, "target")
    check_reduction(reduction, fn)
    check_mean_of_empty(input, reduction, fn)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{fn}(): target must hold integer class indices, got dtype "
                        f"{target.dtype}")
    input, target, unbatched = _unbatch(fn, input, target, False)
    c = input.shape[1]
    t, valid = _class_targets(fn, input, target, ignore_index)
    if weight is not None:
        weight = as_tensor(weight, fn, "weight")
        if weight.shape != (c,):
            raise ValueError(f"{fn}(): weight must have shape ({c},), got {weight.shape}")
        w_t = np.where(valid, weight.data[t], 0).astype(input.dtype)
    else:
        w_t = valid.astype(input.dtype)
    index = np.indices(t.shape, sparse=True)
    picked = input[(index[0], t) + tuple(index[1:])]
    losses = -(picked * Tensor(w_t))
    if reduction == "none":
        return losses.reshape(()) if unbatched else losses
    total = losses.sum()
    return total / input.dtype.type(w_t.sum()) if reduction == "mean" else total


def _reduce(loss, reduction):
    """Apply ``reduction`` ('none', 'mean' or 'sum', already checked) to element-wise losses."""
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


def _weighted(fn, loss, weight):
    """``loss`` rescaled element-wise by the optional, broadcasting ``weight``."""
    return loss if weight is None else loss * as_tensor(weight, fn, "weight")


def _binary_inputs(fn, input, target, reduction):
    """Checked (input, target) of a binary cross-entropy: float Tensors of one shape and dtype."""
    input = as_tensor(input, fn)
    target = as_tensor(target, fn, "target")
    check_float(input, fn)
    check_float(target, fn, "target")
    check_reduction(reduction, fn)
    if input.shape != target.shape:
        raise ValueError(f"{fn}(): target size {target.shape} must be the same as input size "
                         f"{input.shape}")
    check_mean_of_empty(input, reduction, fn)
    check_same_dtype(fn, input=input, target=target)
    return input, target


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (x - y)², as PyTorch (the book's sum of squares, eq. 4.1,
    is ``0.5 * mse_loss(y, t, reduction='sum')``)."""
    fn = "mse_loss"
    input = as_tensor(input, fn)
    target = as_tensor(target, fn, "target")
    check_float(input, fn)
    check_reduction(reduction, fn)
    if input.shape != target.shape:
        raise ValueError(f"{fn}(): input shape {input.shape} and target shape {target.shape} "
                         f"must match")
    check_mean_of_empty(input, reduction, fn)
    check_same_dtype(fn, input=input, target=target)
    diff = input - target
    sq = diff * diff
    return _reduce(sq, reduction)


class Softplus(Function):
    """y = log(1 + e^x) = max(x, 0) + log1p(e^-|x|);  dy/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sigmoid()


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable expression, as PyTorch.

    loss = (1 - t)·x + (1 + (pos_weight - 1)·t)·softplus(-x), which equals
    -[t log σ(x) + (1 - t) log(1 - σ(x))] for pos_weight = 1 without ever
    taking log(0). ``weight`` rescales each element; ``pos_weight`` (broadcast
    over the last, class, axis) weighs the positive term.
    """
    fn = "binary_cross_entropy_with_logits"
    input, target = _binary_inputs(fn, input, target, reduction)
    softplus_neg = Softplus.apply(-input)
    if pos_weight is not None:
        pos_weight = as_tensor(pos_weight, fn, "pos_weight")
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    return _reduce(_weighted(fn, loss, weight), reduction)


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


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against ``target``, as PyTorch.

    loss = -w [t log p + (1 - t) log(1 - p)], each log clamped at -100 so that
    a probability of exactly 0 or 1 gives a finite loss. ``input`` and
    ``target`` have the same shape; ``weight`` broadcasts against them. Prefer
    :func:`binary_cross_entropy_with_logits` on scores: it never needs the clamp.
    """
    fn = "binary_cross_entropy"
    input, target = _binary_inputs(fn, input, target, reduction)
    p = input.data
    if p.size and not ((p >= 0) & (p <= 1)).all():  # NaN fails too
        raise RuntimeError(f"{fn}(): all elements of input should be between 0 and 1 "
                           f"(probabilities), got values in [{np.min(p)}, {np.max(p)}]; for "
                           "scores use binary_cross_entropy_with_logits")
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(_weighted(fn, loss, weight), reduction)
