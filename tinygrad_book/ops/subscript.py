"""Indexing: ``t[index]`` (differentiable, to any order) and ``t[index] = value``.

``GetItem`` and ``IndexAdd`` are each other's backward: reading elements
sends the gradient back to where they were read (repeats add up), and
scattering is undone by reading again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..autograd import Function
from ..grad_mode import is_grad_enabled
from ..registry import tensor_method
from .index_rule import split_index

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import EllipsisType
    from typing import Any, TypeAlias

    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor

    #: One entry of an index: an int, a slice, None (new axis), ``...``, a list, array or
    #: Tensor of integers, or a boolean mask.
    IndexItem: TypeAlias = (int | np.integer[Any] | slice | EllipsisType | None | Sequence[Any]
                            | np.ndarray[Any, Any] | Tensor)
    #: What ``t[index]`` takes: one entry or a tuple of them.
    Index: TypeAlias = IndexItem | tuple[IndexItem, ...]


class GetItem(Function):
    """``a[index]`` for basic and advanced indices; backward scatters the gradient."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.in_shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, ctx.in_shape, ctx.index), None


@tensor_method("__getitem__")
def getitem(self: Tensor, index: Index) -> Tensor:
    """Indexing as PyTorch: ints, slices (with steps), None, Ellipsis, integer arrays
    (repeats allowed: their gradients add up) and boolean masks. Ints are applied first,
    so ``a[0, :, idx]`` is ``a[0][:, idx]`` (NumPy's rule differs; see ``index_rule``)."""
    index = index_arg(index)
    parts = split_index(index)
    try:
        # IndexError comes from forward, before anything is recorded.
        if parts is not None:
            return GetItem.apply(GetItem.apply(self, parts[0]), parts[1])
        return GetItem.apply(self, index)
    except IndexError as exc:
        raise IndexError(f"index {short_repr(index)} is invalid for a tensor of shape "
                         f"{self.shape}: {exc}") from None


class IndexAdd(Function):
    """zeros(shape) with ``g`` added at ``index`` (repeated indices add up).

    GetItem's backward, and GetItem is in turn its backward, so indexing is
    differentiable to any order.
    """

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g  # a basic index never names an element twice
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.index], None, None


def _is_basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


@tensor_method("__setitem__")
def setitem(self: Tensor, index: Index, value: Tensor | ArrayLike) -> None:
    """In-place assignment, for data preparation and ``no_grad`` updates only."""
    if is_grad_enabled() and (self._requires_grad or self.grad_fn is not None):
        raise RuntimeError(
            "in-place assignment to a tensor that requires grad would corrupt the "
            "graph; do it under tinygrad_book.no_grad() or on .data")
    value = value.data if isinstance(value, registry.Tensor) else value
    index = index_arg(index)
    parts = split_index(index)
    try:
        if parts is not None:
            self.data[parts[0]][parts[1]] = value  # parts[0] is basic: a view, written through
        else:
            self.data[index] = value
    except (IndexError, ValueError, TypeError) as exc:
        # NumPy raises subclasses (e.g. casting errors) that take other arguments.
        kind = next(k for k in (IndexError, TypeError, ValueError) if isinstance(exc, k))
        raise kind(f"cannot assign {short_repr(value)} to index {short_repr(index)} "
                   f"of a tensor of shape {self.shape}: {exc}") from None
    self._bump_version()


def index_arg(index):
    """Replace Tensors (and lists, as NumPy reads them) inside an index by arrays."""
    if isinstance(index, registry.Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(item):
    if isinstance(item, registry.Tensor):
        return item.data
    if isinstance(item, list):
        arr = np.asarray(item)
        # An empty list selects nothing; NumPy would read it as a float array.
        return arr.astype(np.intp) if arr.size == 0 else arr
    return item


def short_repr(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
