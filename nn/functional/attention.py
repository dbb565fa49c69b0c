"""Attention: ``scaled_dot_product_attention`` and the core of multi-head attention.

softmax(Q Kᵀ / √d + M) V (Vaswani et al., 2017), composed of graph ops
(two matrix products and the stable softmax), so the engine differentiates
it — twice if asked. Shapes: query (..., L, E), key (..., S, E),
value (..., S, Ev) -> (..., L, Ev); ``...`` broadcasts (batch, heads).
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book.tensor import Tensor, where

from ._utils import as_tensor, check_float
from .activation import softmax
from .dropout import dropout

if TYPE_CHECKING:

    from tinygrad_book._typing import ArrayLike


def _float_mask(fn, mask, dtype, true_means_masked):
    """A boolean or additive float mask as an additive array: 0 where attending, -inf
    where masked (booleans), the values themselves for a float mask."""
    arr = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype == bool:
        blocked = arr if true_means_masked else ~arr
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    if arr.dtype.kind != "f":
        raise TypeError(f"{fn}(): a mask must be boolean or floating point, got dtype "
                        f"{arr.dtype}")
    return arr.astype(dtype, copy=False)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: float,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ·scale + mask) V, as ``torch.nn.functional.scaled_dot_product_attention``.

    ``attn_mask``: boolean (True = may attend) or float (added to the scores),
    broadcasting to (..., L, S). ``is_causal``: position i attends to j <= i
    only. ``scale`` defaults to 1/√E. ``dropout_p`` drops attention weights
    (always, as PyTorch: pass 0.0 in evaluation).
    """
    fn = "scaled_dot_product_attention"
    q, k, v = (as_tensor(t, fn, n) for t, n in ((query, "query"), (key, "key"),
                                                 (value, "value")))
    for t, n in ((q, "query"), (k, "key"), (v, "value")):
        check_float(t, fn, n)
        if t.ndim < 2:
            raise ValueError(f"{fn}(): {n} must have at least 2 dimensions (..., L, E), got "
                             f"shape {t.shape}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{fn}(): query {q.shape}, key {k.shape} and value {v.shape} must "
                         "share E (query/key) and S (key/value)")
    if enable_gqa:
        raise ValueError(f"{fn}(): enable_gqa=True is not supported")
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, numbers.Real) \
            or not 0 <= dropout_p <= 1:
        raise ValueError(f"{fn}(): dropout_p must be in [0, 1], got {dropout_p!r}")
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = (q @ k.transpose(-2, -1)) * scale
    L, S = q.shape[-2], k.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{fn}(): pass either attn_mask or is_causal=True, not both")
        scores = where(np.tril(np.ones((L, S), dtype=bool)), scores, -np.inf)
    elif attn_mask is not None:
        add = _float_mask(fn, attn_mask, scores.dtype, true_means_masked=False)
        scores = scores + Tensor(add)
    weights = softmax(scores, dim=-1)
    if dropout_p:
        weights = dropout(weights, dropout_p, True)
    return weights @ v


def multi_head_attention(q: Tensor, k: Tensor, v: Tensor, num_heads: int,
                         attn_mask: Tensor | ArrayLike | None = None,
                         key_padding_mask: Tensor | ArrayLike | None = None,
                         dropout_p: float = 0.0, need_weights: bool = True,
                         average_attn_weights: bool = True) -> tuple[Tensor, Tensor | None]:
    """Attention of already projected (N, L, E) queries and (N, S, E) keys/values over
    ``num_heads`` heads of E/num_heads features each.

    Masks as ``nn.MultiheadAttention``'s: boolean True = *not* allowed (the
    opposite of ``scaled_dot_product_attention``), float = added. ``attn_mask``
    (L, S) or (N·heads, L, S); ``key_padding_mask`` (N, S). Returns the
    (N, L, E) output and the weights (N, L, S) averaged over heads, or
    (N, heads, L, S), or None without ``need_weights``.
    """
    fn = "multi_head_attention"
    n, L, e = q.shape
    s = k.shape[1]
    d = e // num_heads

    def heads(t, length):
        return t.reshape(n, length, num_heads, d).transpose(1, 2)   # (N, H, len, d)

    scores = heads(q, L) @ heads(k, s).transpose(-2, -1) * (1 / math.sqrt(d))
    mask = np.zeros((1, 1, 1, 1), dtype=scores.dtype)
    if attn_mask is not None:
        add = _float_mask(fn, attn_mask, scores.dtype, true_means_masked=True)
        if add.shape == (L, s):
            add = add.reshape(1, 1, L, s)
        elif add.shape == (n * num_heads, L, s):
            add = add.reshape(n, num_heads, L, s)
        else:
            raise ValueError(f"{fn}(): attn_mask must have shape {(L, s)} or "
                             f"{(n * num_heads, L, s)}, got {add.shape}")
        mask = mask + add
    if key_padding_mask is not None:
        add = _float_mask(fn, key_padding_mask, scores.dtype, true_means_masked=True)
        if add.shape != (n, s):
            raise ValueError(f"{fn}(): key_padding_mask must have shape {(n, s)}, got "
                             f"{add.shape}")
        mask = mask + add.reshape(n, 1, 1, s)
    if attn_mask is not None or key_padding_mask is not None:
        scores = scores + Tensor(mask)
    weights = softmax(scores, dim=-1)
    dropped = dropout(weights, dropout_p, True) if dropout_p else weights
    out = (dropped @ heads(v, s)).transpose(1, 2).reshape(n, L, e)
    if not need_weights:
        return out, None
    # The weights returned are those applied (after dropout), as PyTorch's.
    return out, dropped.mean(axis=1) if average_attn_weights else dropped
