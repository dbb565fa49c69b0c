"""Embedding lookup (a learnt table of vectors, one row per token) and ``one_hot``.

An embedding is ``W[idx]``: the one-hot row vector times W (book chapter 3's
matrix product) without building the one-hot matrix. Its backward scatters
each output gradient back into the row it came from, adding up repeats.
"""
from __future__ import annotations

import numpy as np

from tinygrad_book import checks
from tinygrad_book.autograd import Function
from tinygrad_book.grad_mode import no_grad
from tinygrad_book.tensor import Tensor

from ._utils import as_tensor, check_float


class EmbeddingLookup(Function):
    """y = W[idx];  dL/dW[r] = Σ over positions holding r of g (none for ``padding_idx``)."""

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale):
        ctx.idx, ctx.conf = idx, dict(rows=weight.shape[0], padding_idx=padding_idx, scale=scale)
        ctx.attrs = dict(padding_idx=padding_idx)
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        return _EmbeddingScatter.apply(g, idx=ctx.idx, **ctx.conf)


class _EmbeddingScatter(Function):
    """The rows of the table's gradient: ``np.add.at`` of each position's gradient into
    its row, skipping the padding row; ``scale`` (per position) for scale_grad_by_freq."""

    @staticmethod
    def forward(ctx, g, idx, rows, padding_idx, scale):
        ctx.idx, ctx.conf = idx, dict(padding_idx=padding_idx, scale=scale)
        out = np.zeros((rows,) + g.shape[idx.ndim:], dtype=g.dtype)
        np.add.at(out, idx, g if scale is None else g * scale[..., None].astype(g.dtype))
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def backward(ctx, gg):
        padding_idx, scale = ctx.conf["padding_idx"], ctx.conf["scale"]
        out = gg[ctx.idx]
        keep = np.ones(ctx.idx.shape, dtype=gg.dtype) if scale is None else scale.astype(gg.dtype)
        if padding_idx is not None:
            keep = keep * (ctx.idx != padding_idx)
        return out * Tensor(keep[..., None])


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale, in place, the rows named in ``idx`` whose norm exceeds ``max_norm``."""
    rows = np.unique(idx)
    w = weight.data
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim) for integer ``input`` (any shape).

    Returns ``input.shape + (dim,)``. ``padding_idx``'s row gets no gradient;
    ``max_norm`` renormalises the looked-up rows in place first (as PyTorch);
    ``scale_grad_by_freq`` divides each row's gradient by its count in the batch.
    """
    fn = "embedding"
    input = as_tensor(input, fn)
    weight = as_tensor(weight, fn, "weight")
    check_float(weight, fn, "weight")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{fn}(): argument 'input' must hold integer indices, got dtype "
                        f"{input.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"{fn}(): weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{weight.shape}")
    if sparse:
        raise ValueError(f"{fn}(): sparse=True is not supported (gradients are dense arrays)")
    rows = weight.shape[0]
    idx = input.data.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        bad = idx[(idx < 0) | (idx >= rows)].flat[0]
        raise IndexError(f"{fn}(): index {bad} is out of range for a table of {rows} rows")
    if padding_idx is not None:
        padding_idx = checks.in_range(padding_idx, "padding_idx", f"{fn}()", -rows, rows,
                                      high_open=True, integral=True) % rows
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, float(max_norm), float(norm_type))
    scale = None
    if scale_grad_by_freq:
        scale = 1.0 / np.bincount(idx.ravel(), minlength=rows)[idx]
    return EmbeddingLookup.apply(weight, idx=idx, padding_idx=padding_idx, scale=scale)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(*) integer classes -> (*, num_classes) int64 one-hot rows, as ``F.one_hot``.

    ``num_classes=-1`` takes one more than the largest class present.
    """
    fn = "one_hot"
    tensor = as_tensor(tensor, fn, "tensor")
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"{fn}(): one_hot is only applicable to index tensors (integers), got "
                        f"dtype {tensor.dtype}")
    t = tensor.data.astype(np.int64)
    if t.size and t.min() < 0:
        raise ValueError(f"{fn}(): class values must be non-negative, got {int(t.min())}")
    num_classes = checks.integer(num_classes, "num_classes", f"{fn}()")
    if num_classes == -1:
        if not t.size:
            raise ValueError(f"{fn}(): cannot infer num_classes from an empty tensor; pass it")
        num_classes = int(t.max()) + 1
    if num_classes < 0 or (t.size and t.max() >= num_classes):
        raise ValueError(f"{fn}(): class values must be smaller than num_classes "
                         f"({num_classes}), got {int(t.max()) if t.size else None}")
    return Tensor((t[..., None] == np.arange(num_classes)).astype(np.int64))
