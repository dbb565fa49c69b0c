"""Classification losses: cross-entropy (book section 4.2, and the Softmax-with-Loss layer of
section 5.6.3) and the negative log-likelihood. Element-wise losses are in loss_elementwise.py."""
from __future__ import annotations

import numpy as np

from tinygrad_book import checks
from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import is_grad_enabled
from tinygrad_book.ops.activation import log_softmax_array
from tinygrad_book.tensor import Tensor, where

from ._utils import as_tensor, check_float, check_mean_of_empty, check_reduction, check_same_dtype
from .activation import log_softmax, softmax


def _class_axis(ndim):
    """Shape that puts a (C,) vector on axis 1 of an (N, C, d1, ...) array."""
    return (1, -1) + (1,) * (ndim - 2)


def _at_target(t):
    """Index of x[i, t_i, ...] in an (N, C, d1, ...) array for class indices t of shape
    (N, d1, ...)."""
    if t.ndim == 1:
        return np.arange(t.shape[0]), t
    index = np.indices(t.shape, sparse=True)
    return (index[0], t) + tuple(index[1:])


def _mask_rows(x, valid):
    """x with the items (along axis 0 and the trailing axes) where ``valid`` is False set to 0.

    np.where, not a product: an ignored item's nan or inf must not leak into a sum.
    ``valid`` None: every item counts.
    """
    if valid is None or valid.all():
        return x
    return np.where(valid if x.ndim == valid.ndim else valid[:, None], x, 0)


def _scale(reduction, denominator, dtype):
    """Factor of each item's gradient: 1/denominator for 'mean', but 0 when every item is
    ignored (PyTorch: the loss is 0/0 = nan, the gradient zeros)."""
    if reduction != "mean":
        return dtype.type(1)
    return dtype.type(1 / denominator if denominator else 0)


def _reduce_items(per_item, reduction, denominator):
    """Per-item losses reduced: 'none' keeps them, 'sum' adds, 'mean' divides by ``denominator``
    (Σ w_t; 0 when every item is ignored, giving PyTorch's nan without a warning)."""
    if reduction == "none":
        return per_item
    total = np.add.reduce(per_item, axis=None)
    if reduction == "sum":
        return np.asarray(total, dtype=per_item.dtype)
    if denominator:
        return np.asarray(total / denominator, dtype=per_item.dtype)
    with np.errstate(invalid="ignore"):
        return np.asarray(total / denominator, dtype=per_item.dtype)


class CrossEntropy(Function):
    """L_i = -Σ_c a_c log softmax(x_i)_c for a class-index target t: the book's Softmax-with-Loss
    (section 5.6.3), fused.

    The target distribution is a = (1 - ε)·w_t·onehot(t) + (ε/C)·w (w: class weights, 1
    without ``weight``; ε: label smoothing), so dL_i/dx_i = softmax(x_i)·Σ_c a_c - a — the
    book's (y - t) when a is one-hot. The target's log-probability is picked by index, never
    multiplied by a one-hot, so a -inf logit elsewhere cannot give 0·(-inf) = nan; ignored
    items (``valid`` False) are masked, so their loss and gradient are 0 even where their
    logits are nan. The gradient is computed once, in forward (``ctx.grad``, this op's own
    array); backward only scales it.
    """

    @staticmethod
    def forward(ctx, x, t, valid, w, eps, reduction, denominator):
        if w is None and not eps and valid is None and x.ndim == 2:
            return _plain_cross_entropy(ctx, x, t, reduction, denominator)
        c = x.shape[1]
        # The ufuncs' reduce, not the ndarray methods: on an MLP's (100, 10) logits the
        # methods' Python wrappers cost more than the arithmetic.
        shifted = x - np.maximum.reduce(x, axis=1, keepdims=True)
        e = np.exp(shifted)
        total = np.add.reduce(e, axis=1, keepdims=True)
        logp = shifted - np.log(total)
        at = _at_target(t)
        w_t = (1 - eps) if w is None else (1 - eps) * w[t]  # a number without weights
        per_item = -w_t * logp[at]
        w_c = None if w is None else w.reshape(_class_axis(x.ndim))
        if eps:
            per_item -= (eps / c) * (logp.sum(axis=1) if w is None else (logp * w_c).sum(axis=1))
        per_item = _mask_rows(per_item, valid)
        ctx.reduction, ctx.attrs = reduction, {"reduction": reduction}
        if ctx.needs_input_grad[0]:
            scale = _scale(reduction, denominator, x.dtype)
            total_a = w_t + (eps if w is None else eps / c * w.sum())
            total_a = total_a * scale if w is None else (total_a * scale)[:, None]
            grad = e * (total_a / total)  # softmax(x)·Σa, scaled
            if eps:
                grad -= (eps / c * scale) if w is None else (eps / c * scale) * w_c
            grad[at] -= w_t * scale
            ctx.total_a, ctx.valid, ctx.grad = total_a, valid, _mask_rows(grad, valid)
            ctx.save_for_backward(x)
        return _reduce_items(per_item, reduction, denominator)

    @staticmethod
    def array_backward(ctx, g):
        (_x,) = ctx.saved_arrays  # reading it checks x's version; the gradient is ctx.grad
        return ctx.grad * (np.expand_dims(g, 1) if ctx.reduction == "none" else g)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        grad = Tensor(ctx.grad)
        if is_grad_enabled():
            # A recorded backward (create_graph) needs the gradient as a function of x: the
            # added term is 0 in value but carries d softmax(x)/dx.
            p = Tensor(np.exp(log_softmax_array(x.data, 1)))
            extra = (softmax(x, dim=1) - p) * Tensor(np.asarray(ctx.total_a, x.dtype))
            valid = ctx.valid
            grad = grad + (extra if valid is None or valid.all()
                           else where(valid[:, None], extra, 0.0))
        return grad * (g.unsqueeze(1) if ctx.reduction == "none" else g)


def _plain_cross_entropy(ctx, x, t, reduction, denominator):
    """``CrossEntropy.forward`` in its common case: (N, C) logits, no class weights, no
    label smoothing, no ignored item. Its arithmetic, on the logits transposed to (C, N):
    each row's max and sum then run over C contiguous rows of N rather than N rows of C
    (on an MLP's (100, 10) logits the max takes 2.5 µs instead of 5.3). The gradient it
    saves is the transpose back, a view."""
    xt = x.T.copy()
    shifted = np.subtract(xt, np.maximum.reduce(xt, axis=0), out=xt)
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=0)
    items = np.arange(t.shape[0])
    per_item = np.log(total) - shifted[t, items]  # -log softmax(x)_t
    ctx.reduction, ctx.attrs = reduction, {"reduction": reduction}
    if ctx.needs_input_grad[0]:
        scale = _scale(reduction, denominator, x.dtype)
        grad = np.multiply(e, scale / total, out=e)  # softmax(x), scaled
        np.subtract.at(grad, (t, items), scale)  # (the same, in one call)
        ctx.total_a, ctx.valid, ctx.grad = scale, None, grad.T
        ctx.save_for_backward(x)
    return _reduce_items(per_item, reduction, denominator)


class SoftCrossEntropy(Function):
    """L = Σ_i -Σ_c a_ic log softmax(x_i)_c / denominator for a probability target ``a``.

    dL/dx = (softmax(x)·Σ_c a - a) / denominator and dL/da = -log softmax(x) / denominator.
    """

    @staticmethod
    def forward(ctx, x, a, reduction, denominator):
        logp = log_softmax_array(x, 1)
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
    """Validate integer class targets against (N, C, ...) input; return (target, valid mask),
    the mask None when no item is ignored."""
    expected = input.shape[:1] + input.shape[2:]
    if target.shape != expected:
        raise ValueError(
            f"{fn}(): class-index target must have shape {expected} for input of shape "
            f"{input.shape}, got {target.shape}")
    t = target.data
    c = input.shape[1]
    if t.size and 0 <= np.minimum.reduce(t, axis=None) and np.maximum.reduce(t, axis=None) < c \
            and not 0 <= ignore_index < c:
        return t, None   # every target a class, none ignored
    valid = t != ignore_index
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


def _class_weight(fn, weight, input):
    """The optional (C,) ``weight`` as an array of the input's dtype, checked."""
    if weight is None:
        return None
    weight = as_tensor(weight, fn, "weight")
    c = input.shape[1]
    if weight.shape != (c,):
        raise ValueError(f"{fn}(): weight must have shape ({c},) (one per class), got "
                         f"{weight.shape}")
    return weight.data.astype(input.dtype, copy=False)


def _soft_cross_entropy(fn, input, target, w, eps, reduction):
    """Cross-entropy against class probabilities ``target`` of the input's shape."""
    if target.shape != input.shape:
        raise ValueError(f"{fn}(): a probability target must have the input's shape "
                         f"{input.shape}, got {target.shape}")
    check_same_dtype(fn, input=input, target=target)
    c = input.shape[1]
    a = target if not eps else target * (1 - eps) + eps / c
    if w is not None:
        a = a * Tensor(w.reshape(_class_axis(input.ndim)))
    denominator = input.dtype.type(input.size // c if reduction == "mean" else 1)
    return SoftCrossEntropy.apply(input, a, reduction=reduction, denominator=denominator)


def _common_class_targets(input, target, weight, ignore_index, reduction, label_smoothing):
    """The class indices when ``cross_entropy`` is called in its common case, else None:
    (N, C) float logits and (N,) integer targets, all in 0..C-1, as Tensors; no weight, no
    smoothing, ``ignore_index`` outside the classes and a known reduction. Anything else
    takes the general path, which checks and explains."""
    if weight is not None or label_smoothing.__class__ not in (int, float) or \
            label_smoothing != 0 or reduction not in ("mean", "sum", "none") or \
            not isinstance(input, Tensor) or not isinstance(target, Tensor):
        return None
    x, t = input.data, target.data
    if x.ndim != 2 or x.dtype.kind != "f" or t.ndim != 1 or t.dtype.kind not in "iu" or \
            not t.dtype.isnative or t.shape[0] != x.shape[0] or not t.size:
        return None
    c = x.shape[1]
    # Read as unsigned, a negative index is huge: one maximum bounds both ends.
    unsigned = t if t.dtype.kind == "u" else t.view(_UNSIGNED[t.dtype.itemsize])
    if 0 <= ignore_index < c or np.maximum.reduce(unsigned, axis=None) >= c:
        return None
    return t


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax followed by the cross-entropy error (book eq. 4.3), fused and stable.

    Args:
        input: logits (N, C), (N, C, d1, ...) or unbatched (C,).
        target: integer class indices (N,) / (N, d1, ...), or class
            probabilities with the input's shape (which may require grad).
        weight: optional (C,) rescaling of each class.
        ignore_index: class-index targets equal to it contribute nothing (no
            loss and a zero gradient, even where their logits are nan).
        reduction: 'mean' (over items; with class targets, the weighted mean
            Σ w_t·loss / Σ w_t, as PyTorch: nan if every target is ignored,
            with a zero gradient), 'sum' or 'none' (per item).
        label_smoothing: ε in [0, 1]: the target becomes (1 - ε)·target + ε/C.
    """
    t = _common_class_targets(input, target, weight, ignore_index, reduction, label_smoothing)
    if t is not None:  # (the checks below, done on the arrays: they cost more than the loss)
        return CrossEntropy.apply(input, t=t, valid=None, w=None, eps=0.0, reduction=reduction,
                                  denominator=input.dtype.type(t.size))
    fn = "cross_entropy"
    input = _check_logits(fn, input)
    target = as_tensor(target, fn, "target")
    check_reduction(reduction, fn)
    check_mean_of_empty(input, reduction, fn)
    label_smoothing = checks.in_range(label_smoothing, "label_smoothing", f"{fn}()", 0, 1)
    probabilities = target.dtype.kind == "f"
    if not probabilities and target.dtype.kind not in "iu":
        raise TypeError(f"{fn}(): target must hold integer class indices or float "
                        f"probabilities, got dtype {target.dtype}")
    input, target, unbatched = _unbatch(fn, input, target, probabilities)
    w = _class_weight(fn, weight, input)
    eps = input.dtype.type(label_smoothing)
    if probabilities:
        out = _soft_cross_entropy(fn, input, target, w, eps, reduction)
    else:
        t, valid = _class_targets(fn, input, target, ignore_index)
        if valid is None:
            total_w = t.size if w is None else w[t].sum()
        else:
            total_w = np.count_nonzero(valid) if w is None else np.where(valid, w[t], 0).sum()
        out = CrossEntropy.apply(input, t=t, valid=valid, w=w, eps=eps, reduction=reduction,
                                 denominator=input.dtype.type(total_w))
    return out.reshape(()) if unbatched and reduction == "none" else out


class NLL(Function):
    """L_i = -w_t · x[i, t] for log-probabilities x and class-index targets t (0 if ignored).

    dL/dx is -w_t at the target's entry and 0 elsewhere: a constant, computed in forward. The
    entry is picked by index and ignored items are masked, so a nan elsewhere stays out.
    """

    @staticmethod
    def forward(ctx, x, t, valid, w, reduction, denominator):
        at = _at_target(t)
        w_t = np.ones(t.shape, x.dtype) if w is None else w[t]
        per_item = _mask_rows(-w_t * x[at], valid)
        ctx.reduction = reduction
        if ctx.needs_input_grad[0]:
            grad = np.zeros_like(x)
            coef = _mask_rows(-w_t, valid) * _scale(reduction, denominator, x.dtype)
            grad[at] = coef
            ctx.save_for_backward(grad)
        return _reduce_items(per_item, reduction, denominator)

    @staticmethod
    def backward(ctx, g):
        (grad,) = ctx.saved_tensors
        return grad * (g.unsqueeze(1) if ctx.reduction == "none" else g)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class targets given log-probabilities, as PyTorch.

    ``input`` (N, C) or (N, C, d1, ...) log-probabilities (e.g. from
    ``log_softmax``); ``target`` integer classes. loss_i = -w_t · input[i, t];
    'mean' divides by Σ w_t over non-ignored items (nan if all are ignored,
    with a zero gradient, as PyTorch).
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
    t, valid = _class_targets(fn, input, target, ignore_index)
    w = _class_weight(fn, weight, input)
    if valid is None:
        w_t = np.ones(t.shape, input.dtype) if w is None else w[t]
    else:
        w_t = valid.astype(input.dtype) if w is None else np.where(valid, w[t], 0)
    out = NLL.apply(input, t=t, valid=valid, w=w, reduction=reduction,
                    denominator=input.dtype.type(w_t.sum()))
    return out.reshape(()) if unbatched and reduction == "none" else out
