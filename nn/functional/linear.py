"""The affine layer, flatten and PyTorch-style padding."""
import numpy as np

from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import is_grad_enabled
from tinygrad_book.ops.join import pad as _pad_constant
from tinygrad_book.tensor import Tensor

from ._utils import as_tensor, check_float, check_ndim, check_same_dtype


class Affine(Function):
    """y = x Wᵀ + b — the book's Affine layer (section 5.6) with PyTorch's (out, in) weight.

    dL/dx = g W,  dL/dW = gᵀ x,  dL/db = Σ g over the batch (book eq. 5.13).

    One node per layer: the bias is added in place into the product's output.
    A plain backward pass runs on the arrays (three BLAS calls and a sum); when
    the backward is itself recorded (``create_graph``) it is written with Tensor
    ops, so it is differentiable again.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        out = np.matmul(x, weight.T)
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if not is_grad_enabled():
            g, xa = g.data, x.data
            g2, x2 = g.reshape(-1, g.shape[-1]), xa.reshape(-1, xa.shape[-1])
            return (_const(np.matmul(g, weight.data)) if need_x else None,
                    _const(np.matmul(g2.T, x2)) if need_w else None,
                    _const(np.add.reduce(g2, axis=0)) if need_b else None)
        g2 = g.reshape(-1, g.shape[-1])
        return (g @ weight if need_x else None,
                g2.T @ x.reshape(-1, x.shape[-1]) if need_w else None,
                g2.sum(axis=0) if need_b else None)


def _const(array):
    """A gradient array as a Tensor outside the graph."""
    return Tensor._make(array, False, None, 0)


def linear(input, weight, bias=None):
    """y = input @ weightᵀ + bias, as ``torch.nn.functional.linear``.

    Args:
        input: (..., in_features).
        weight: (out_features, in_features).
        bias: optional (out_features,).
    Returns:
        (..., out_features).
    """
    fn = "linear"
    input = as_tensor(input, fn)
    weight = as_tensor(weight, fn, "weight")
    bias = None if bias is None else as_tensor(bias, fn, "bias")
    check_float(input, fn)
    check_float(weight, fn, "weight")
    check_ndim(weight, (2,), fn, "weight", layout="(out_features, in_features)")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear(): input of shape {input.shape} does not match weight of shape "
            f"{weight.shape}: the input's last dimension must be in_features = {weight.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear(): bias must have shape ({weight.shape[0]},), got {bias.shape}")
    check_same_dtype(fn, input=input, weight=weight, bias=bias)
    return Affine.apply(input, weight, bias)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one, as ``torch.flatten``.

    ``nn.Flatten`` uses ``start_dim=1`` to keep the batch axis: the reshape the
    book does before its first Affine layer.
    """
    input = as_tensor(input, "flatten")
    nd = max(input.ndim, 1)
    for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
        if not -nd <= d < nd:
            raise ValueError(f"flatten(): {name}={d} is out of range for a tensor of shape "
                             f"{input.shape} (expected {-nd}..{nd - 1})")
    return input.flatten(start_dim, end_dim)


_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """Pad with PyTorch's argument order: ``pad`` = (left, right, top, bottom, ...).

    Pairs apply from the last dimension backwards, so ``(1, 1, 2, 2)`` pads
    W by 1 and H by 2 on each side. Modes: 'constant' (``value``, default 0;
    negative widths crop), 'reflect', 'replicate', 'circular'.
    """
    input = as_tensor(input, "pad")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) > 2 * input.ndim or not all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad(): pad must be an even number of ints, at most 2 per dimension "
                         f"(input shape {input.shape}), got {pad!r}")
    if mode not in _MODES:
        raise ValueError(f"pad(): mode must be one of {_MODES}, got {mode!r}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == "constant":
        if any(b < 0 or a < 0 for b, a in widths):
            crop = tuple(slice(max(-b, 0), n - max(-a, 0))
                         for (b, a), n in zip(widths, input.shape))
            if any(s.start >= s.stop for s, (b, a) in zip(crop, widths) if b < 0 or a < 0):
                raise ValueError(f"pad(): negative padding {pad!r} removes every element of "
                                 f"shape {input.shape}")
            input = input[crop]
        widths = tuple((max(b, 0), max(a, 0)) for b, a in widths)
        if not any(b or a for b, a in widths):
            return input
        return _pad_constant(input, widths, 0.0 if value is None else value)
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad(): value is only used with mode='constant', got mode={mode!r}")
    check_float(input, "pad")
    out = input
    for axis, (before, after) in enumerate(widths):
        if before or after:
            out = out[(slice(None),) * axis + (_pad_index(input.shape[axis], before, after, mode,
                                                          input.shape),)]
    return out


def _pad_index(n, before, after, mode, shape):
    """Source positions of a padded axis, for the index-based modes."""
    if before < 0 or after < 0:
        raise ValueError(f"pad(): mode={mode!r} needs non-negative widths, got {(before, after)}")
    pos = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        if max(before, after) > n:
            raise ValueError(f"pad(): circular padding {(before, after)} exceeds the dimension "
                             f"size {n} of shape {shape}")
        return pos % n
    if max(before, after) >= n:
        raise ValueError(f"pad(): reflect padding {(before, after)} must be smaller than the "
                         f"dimension size {n} of shape {shape}")
    period = 2 * (n - 1)
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= n, period - pos, pos)
