"""``MultiheadAttention`` and the Transformer encoder (``TransformerEncoderLayer``,
``TransformerEncoder``), with PyTorch's arguments, parameter names and masks."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from ...tensor import Tensor
from .. import functional as F
from .. import init
from . import _checks
from .container import ModuleList
from .dropout import Dropout
from .layer_norm import LayerNorm
from .linear import Linear
from .module import Module, Parameter

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tinygrad_book._typing import ArrayLike, DTypeLike


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of ``embed_dim / num_heads`` features each.

    Parameters (PyTorch's keys): ``in_proj_weight`` (3E, E) stacking W_q, W_k,
    W_v (Xavier-uniform), ``in_proj_bias`` (3E, zeros) and ``out_proj``
    (a Linear E -> E, bias zeroed).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)``: inputs
    (L, N, E) — (N, L, E) with ``batch_first`` — or unbatched (L, E). Boolean
    masks are True where attention is *not* allowed. Returns the output
    shaped as the query and the attention weights (N, L, S) (per head
    (N, H, L, S) unless ``average_attn_weights``), or None.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.embed_dim = checks.integer(embed_dim, "embed_dim", "MultiheadAttention", minimum=1)
        self.num_heads = checks.integer(num_heads, "num_heads", "MultiheadAttention", minimum=1)
        checks.divisible(self.embed_dim, "embed_dim", self.num_heads, "num_heads",
                         "MultiheadAttention")
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) \
                or vdim not in (None, embed_dim):
            raise ValueError("MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim "
                             "other than embed_dim are not supported")
        self.kdim = self.vdim = self.embed_dim
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = checks.probability(dropout, "dropout", "MultiheadAttention")
        self.batch_first = bool(batch_first)
        dtype = _checks.float_dtype(dtype, "MultiheadAttention")
        e = self.embed_dim
        self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dtype))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * e, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            self.in_proj_bias.data[...] = 0
            self.out_proj.bias.data[...] = 0

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | ArrayLike | None = None, need_weights: bool = True,
                attn_mask: Tensor | ArrayLike | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        q, k, v = (t if isinstance(t, Tensor) else Tensor(t) for t in (query, key, value))
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint")
        unbatched = q.ndim == 2
        for t, name in ((q, "query"), (k, "key"), (v, "value")):
            if t.ndim != q.ndim or t.ndim not in (2, 3) or t.shape[-1] != self.embed_dim:
                raise ValueError(f"MultiheadAttention: {name} must be (L, N, {self.embed_dim})"
                                 f"{' (batch first: (N, L, E))' if self.batch_first else ''} "
                                 f"or (L, {self.embed_dim}), got {t.shape}")
        if unbatched:
            q, k, v = (t.unsqueeze(0) for t in (q, k, v))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(getattr(key_padding_mask, "data",
                                                      key_padding_mask))[None]
        elif not self.batch_first:
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        e = self.embed_dim
        w, b = self.in_proj_weight, self.in_proj_bias
        qp, kp, vp = (F.linear(t, w[i * e:(i + 1) * e],
                               None if b is None else b[i * e:(i + 1) * e])
                      for i, t in enumerate((q, k, v)))
        out, weights = F.multi_head_attention(
            qp, kp, vp, self.num_heads, attn_mask, key_padding_mask,
            self.dropout if self.training else 0.0, need_weights, average_attn_weights)
        out = self.out_proj(out)
        if unbatched:
            return out.squeeze(0), None if weights is None else weights.squeeze(0)
        return (out if self.batch_first else out.transpose(0, 1)), weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"


_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention then a two-layer feed-forward net, each with a residual connection
    and LayerNorm (after, or before with ``norm_first``), as ``torch.nn.TransformerEncoderLayer``.

    Submodules (PyTorch's keys): ``self_attn``, ``linear1`` (d_model ->
    dim_feedforward), ``dropout``, ``linear2``, ``norm1``, ``norm2``,
    ``dropout1``, ``dropout2``. Input (S, N, E), or (N, S, E) with ``batch_first``.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str) and activation not in _ACTIVATIONS:
            raise ValueError(f"TransformerEncoderLayer: activation should be relu/gelu, "
                             f"not {activation}")
        self.activation = _ACTIVATIONS[activation] if isinstance(activation, str) else activation

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (keys ``layers.0. ...``), then ``norm``
    if given."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        n = checks.integer(num_layers, "num_layers", "TransformerEncoder", minimum=1)
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(n)])
        self.num_layers = n
        self.norm = norm

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
