"""Per-sample normalisations: layer norm, group norm, instance norm, and ``normalize``.

Batch norm (book section 6.3) averages over the batch; these average over the
features of each sample instead (layer norm: the last dimensions; group norm:
groups of channels; instance norm: each channel's spatial positions), so they
behave the same in training and evaluation and work with a batch of one.

All three are one fused op, :class:`Standardize`, with the affine γ, β folded
in: x̂ = (x - μ) / √(σ² + ε) over the normalised axes, y = γ x̂ + β.
"""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, cast

import numpy as np

from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import is_grad_enabled
from tinygrad_book.tensor import Tensor

from ._utils import as_tensor, check_float, check_same_dtype, float_input

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tinygrad_book._typing import IntOrTuple


def _sum_to(a, shape):
    """Sum ``a`` over the axes where ``shape`` (same rank) has size 1."""
    axes = tuple(i for i, (s, t) in enumerate(zip(shape, a.shape, strict=True))
                 if s == 1 and t != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a


class Standardize(Function):
    """y = γ x̂ + β with x̂ = (x - μ)/√(σ² + ε), μ and σ² (biased) over ``axes``.

    γ and β (or None) have x's rank and broadcast against it. With
    m values per normalised group and ĝ = g γ (book section 6.3.1's graph, in one step):

        dx = 1/√(σ² + ε) · (ĝ - mean(ĝ) - x̂ · mean(ĝ x̂))
        dγ = Σ g x̂,   dβ = Σ g      (over the axes where γ, β broadcast)

    A recorded backward (create_graph) rebuilds x̂ and 1/√(σ² + ε) from x with
    Tensor ops, so second derivatives see how they depend on x.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps):
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = np.mean(centred * centred, axis=axes, keepdims=True)
        invstd = 1 / np.sqrt(var + x.dtype.type(eps))
        xhat = centred * invstd
        out = xhat if weight is None else xhat * weight
        if bias is not None:
            out = out + bias
        ctx.axes, ctx.eps = axes, eps
        ctx.attrs = dict(axes=axes, eps=eps)
        ctx.save_for_backward(x, weight, bias, xhat, invstd)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight, bias, xhat, invstd = ctx.saved_tensors
        axes = ctx.axes
        if is_grad_enabled():
            centred = x - x.mean(axis=axes, keepdims=True)
            invstd = ((centred * centred).mean(axis=axes, keepdims=True) + ctx.eps) ** -0.5
            xhat = centred * invstd
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gh = g if weight is None else g * weight
            gx = (gh - gh.mean(axis=axes, keepdims=True)
                  - xhat * (gh * xhat).mean(axis=axes, keepdims=True)) * invstd
        if weight is not None and ctx.needs_input_grad[1]:
            gw = _sum_to(g * xhat, weight.shape)
        if bias is not None and ctx.needs_input_grad[2]:
            gb = _sum_to(g, bias.shape)
        return gx, gw, gb


def _eps(eps: object, fn: str) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) \
            or not np.isfinite(float(eps)) or float(eps) < 0:
        raise ValueError(f"{fn}(): eps must be a non-negative number, got {eps!r}")
    return float(eps)


def _affine(fn: str, input: Tensor, weight: Tensor | None, bias: Tensor | None,
            shape: tuple[int, ...]) -> list[Tensor | None]:
    """weight and bias as Tensors checked to have ``shape`` (either may be None)."""
    out = []
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            t = as_tensor(t, fn, name)
            if tuple(t.shape) != tuple(shape):
                raise ValueError(f"{fn}(): {name} must have shape {tuple(shape)} for input of "
                                 f"shape {input.shape}, got {t.shape}")
        out.append(t)
    check_same_dtype(fn, input=input, weight=out[0], bias=out[1])
    return out


def layer_norm(input: Tensor, normalized_shape: IntOrTuple, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions, as ``F.layer_norm``.

    Shapes: input ``(*, *normalized_shape)``; weight and bias ``normalized_shape``.
    """
    fn = "layer_norm"
    input = as_tensor(input, fn)
    check_float(input, fn)
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        shape: tuple[int, ...] = (int(normalized_shape),)
    else:  # a bool fails here with tuple()'s TypeError, which mypy cannot see coming
        shape = tuple(cast("Sequence[int]", normalized_shape))
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"{fn}(): input of shape {input.shape} does not end with "
                         f"normalized_shape {shape}")
    weight, bias = _affine(fn, input, weight, bias, shape)
    lead = (1,) * (input.ndim - k)
    weight = None if weight is None else weight.reshape(lead + shape)
    bias = None if bias is None else bias.reshape(lead + shape)
    axes = tuple(range(input.ndim - k, input.ndim))
    return Standardize.apply(input, weight, bias, axes=axes, eps=_eps(eps, fn))


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each group of ``C / num_groups`` channels of each sample, as ``F.group_norm``.

    Shapes: input ``(N, C, *)``; weight and bias ``(C,)`` (per channel).
    """
    fn = "group_norm"
    input = float_input(input, fn, 2, "an (N, C, *) input")
    n, c = input.shape[:2]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) \
            or num_groups < 1 or c % num_groups:
        raise ValueError(f"{fn}(): num_groups must be a positive int dividing the {c} channels "
                         f"of input of shape {input.shape}, got {num_groups!r}")
    weight, bias = _affine(fn, input, weight, bias, (c,))
    rest = input.shape[2:]
    grouped = (n, num_groups, c // num_groups, int(np.prod(rest, dtype=np.int64)))
    x = input.reshape(grouped)
    wshape = (1, num_groups, c // num_groups, 1)
    weight = None if weight is None else weight.reshape(wshape)
    bias = None if bias is None else bias.reshape(wshape)
    out = Standardize.apply(x, weight, bias, axes=(2, 3), eps=_eps(eps, fn))
    return out.reshape(input.shape)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its positions, as ``F.instance_norm``.

    Shapes: input ``(N, C, *)`` with at least one position axis; weight, bias
    and the running buffers ``(C,)``. With ``use_input_stats`` the running
    buffers (if given) move towards the batch's average per-instance mean and
    unbiased variance; without, they normalise instead (evaluation).
    """
    fn = "instance_norm"
    input = float_input(input, fn, 3, "an (N, C, L) or (N, C, H, W, ...) input")
    c = input.shape[1]
    weight, bias = _affine(fn, input, weight, bias, (c,))
    eps = _eps(eps, fn)
    shape = (1, c) + (1,) * (input.ndim - 2)
    axes = tuple(range(2, input.ndim))
    bufs = [None if b is None else (b.data if isinstance(b, Tensor) else b)
            for b in (running_mean, running_var)]
    if not use_input_stats:
        if bufs[0] is None or bufs[1] is None:
            raise ValueError(f"{fn}(): running_mean and running_var are required when "
                             "use_input_stats=False")
        invstd = (1 / np.sqrt(bufs[1] + eps)).astype(input.dtype).reshape(shape)
        out = (input - Tensor(bufs[0].astype(input.dtype).reshape(shape))) * Tensor(invstd)
        out = out if weight is None else out * weight.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)
    m = int(np.prod(input.shape[2:]))
    if m <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    x = input.data
    if bufs[0] is not None:
        bufs[0] *= 1 - momentum
        bufs[0] += (momentum * x.mean(axis=axes).mean(axis=0)).astype(bufs[0].dtype)
    if bufs[1] is not None:
        bufs[1] *= 1 - momentum
        bufs[1] += (momentum * x.var(axis=axes, ddof=1).mean(axis=0)).astype(bufs[1].dtype)
    return Standardize.apply(input, None if weight is None else weight.reshape(shape),
                             None if bias is None else bias.reshape(shape), axes=axes, eps=eps)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, eps) along ``dim``, as ``F.normalize`` (unit vectors for p = 2)."""
    fn = "normalize"
    input = as_tensor(input, fn)
    check_float(input, fn)
    nd = max(input.ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not -nd <= dim < nd:
        raise ValueError(f"{fn}(): dim must be an int in [{-nd}, {nd - 1}] for input of shape "
                         f"{input.shape}, got {dim!r}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or float(p) <= 0:
        raise ValueError(f"{fn}(): p must be a positive number, got {p!r}")
    if p == float("inf"):
        norm = input.abs().max(axis=dim, keepdims=True)
    elif p == 1:
        norm = input.abs().sum(axis=dim, keepdims=True)
    elif p == 2:
        norm = (input * input).sum(axis=dim, keepdims=True).sqrt()
    else:
        norm = (input.abs() ** p).sum(axis=dim, keepdims=True) ** (1 / p)
    return input / norm.clamp(min=eps)
