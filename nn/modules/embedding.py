"""``Embedding``: a trainable lookup table of vectors, one row per token (word, character)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from .. import functional as F
from .. import init
from . import _checks
from .module import Module, Parameter

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import DTypeLike
    from tinygrad_book.tensor import Tensor


class Embedding(Module):
    """Row ``idx`` of ``weight`` for each integer of the input.

    Shapes: input any integer shape ``(*)``, output ``(*, embedding_dim)``,
    weight ``(num_embeddings, embedding_dim)`` drawn from N(0, 1) as in
    PyTorch, with the ``padding_idx`` row zeroed (and never updated: it gets
    no gradient). Equal to a ``Linear`` without bias applied to one-hot rows,
    but without ever building them.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Any = None,
                 _freeze: bool = False, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.num_embeddings = checks.integer(num_embeddings, "num_embeddings", "Embedding",
                                             minimum=1)
        self.embedding_dim = checks.integer(embedding_dim, "embedding_dim", "Embedding", minimum=1)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings "
                                 f"({num_embeddings}), got {padding_idx}")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, float(norm_type)
        self.scale_grad_by_freq = bool(scale_grad_by_freq)
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported (gradients are dense)")
        self.sparse = False
        dtype = _checks.float_dtype(dtype, "Embedding")
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = np.asarray(getattr(_weight, "data", _weight))
            if w.shape != shape:
                raise ValueError(f"Embedding: _weight must have shape {shape}, got {w.shape}")
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Any:
        """An Embedding holding the given (num_embeddings, embedding_dim) table
        (frozen by default, as PyTorch)."""
        w = np.asarray(getattr(embeddings, "data", embeddings))
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
                   sparse, _weight=w, _freeze=freeze, dtype=w.dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s
