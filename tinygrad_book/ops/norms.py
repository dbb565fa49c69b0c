"""Norms: ``vector_norm``, ``matrix_norm``, ``linalg.norm`` and ``Tensor.norm``.

The 2-norm has its own Function so that its gradient x/‖x‖ is 0 at x = 0
(PyTorch's choice; the composition sqrt(Σx²) would give 0/0 there). The others
are compositions of abs, sum, max and min, whose gradients are PyTorch's too
(the inf-norm shares its gradient among ties).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from .front import as_tensor, constant, dims_arg, float_arg, keep, pick, reduce_dims, tensor_method
from .select import Where

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor


class Norm2(Function):
    """z = √(Σ a²) over ``axes``;  dz/da = a / z (0 where z = 0)."""

    @staticmethod
    def forward(ctx, a, axes, keepdims):
        out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdims))
        ctx.kept_shape = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
        # The output itself is saved (not a reshaped copy), so that it stays in the
        # graph and the second derivative sees that it depends on a.
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        g, out = g.reshape(ctx.kept_shape), out.reshape(ctx.kept_shape)
        safe = Where.apply(out.data == 0, constant(np.ones((), out.dtype)), out)
        return g * a / safe, None, None


def vector_norm(x, ord=2, dim=None, keepdim=False, dtype=None, axis=None, keepdims=None):
    """(Σ |x|^ord)^(1/ord) over ``dim`` (all elements by default); ``ord`` may be
    inf (max |x|), -inf (min |x|) or 0 (the count of non-zeros)."""
    x = float_arg(x, dtype, "vector_norm()")
    axes = reduce_dims(pick(dim, axis), x.ndim, "vector_norm()")
    keepdims = keep(keepdim, keepdims)
    if ord == 2:
        return Norm2.apply(x, axes, keepdims)
    a = x.abs()
    if ord == math.inf:
        return a.max(axis=axes, keepdims=keepdims)
    if ord == -math.inf:
        return a.min(axis=axes, keepdims=keepdims)
    if ord == 0:
        return (a != 0).astype(x.dtype).sum(axis=axes, keepdims=keepdims)
    if ord == 1:
        return a.sum(axis=axes, keepdims=keepdims)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"vector_norm(): ord must be a number, got {ord!r}")
    return (a ** ord).sum(axis=axes, keepdims=keepdims) ** (1.0 / ord)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, dtype=None):
    """Matrix norms over the two dims ``dim``: 'fro', 1 / -1 (max / min column sum of
    |A|) and inf / -inf (max / min row sum). ('nuc' and 2 need an SVD: not provided.)"""
    A = as_tensor(A)
    if dtype is not None:
        A = A.astype(dtype)
    d0, d1 = dims_arg(dim, A.ndim, "matrix_norm()")
    if A.ndim < 2:
        raise ValueError(f"matrix_norm(): input must have at least 2 dimensions, got shape "
                         f"{A.shape}")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord not in (1, -1, math.inf, -math.inf):
        raise ValueError(f"matrix_norm(): ord must be 'fro', 1, -1, inf or -inf, got {ord!r}")
    summed, other = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = A.abs().sum(axis=summed, keepdims=True)
    out = sums.max(axis=other, keepdims=True) if ord > 0 else sums.min(axis=other,
                                                                       keepdims=True)
    return out if keepdim else out.squeeze(axis=(d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, dtype=None):
    """``linalg.norm``: a vector norm for an int ``dim`` (or 1-d input), a matrix norm
    for a pair of dims (or 2-d input); with neither ``ord`` nor ``dim``, the 2-norm of
    all elements."""
    A = as_tensor(A)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 or dim is None and A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype)
    if dim is None and A.ndim != 1:
        raise ValueError(f"linalg.norm(): with ord={ord!r} and no dim, input must be 1-d or "
                         f"2-d, got shape {A.shape}")
    return vector_norm(A, ord, dim, keepdim, dtype)


@tensor_method("norm")
def tensor_norm(input: Tensor, p: str | float = "fro", dim: Dim = None, keepdim: bool = False,
                dtype: DTypeLike | None = None, axis: Dim = None,
                keepdims: bool | None = None) -> Tensor:
    """``Tensor.norm``: p='fro' or 2 (the default, over ``dim`` or all elements), 1,
    inf, -inf or any number; a vector norm over ``dim``, which may be a tuple."""
    dim, keepdim = pick(dim, axis), keep(keepdim, keepdims)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise ValueError("norm(): p='nuc' needs a singular value decomposition, which "
                         "tinygrad_book does not provide")
    return vector_norm(input, p, dim, keepdim, dtype)
