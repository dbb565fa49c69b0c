"""Shape ops: reshape, permute, transpose, squeeze, unsqueeze, expand.

None of these change values, only where they sit, so each backward moves the
gradient back to where its input's elements came from. The Tensor methods
after each Function validate the arguments (an error names the shapes and
what was expected) and apply it.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import checks
from ..autograd import Function
from ..checks import DimensionError
from ..registry import tensor_method
from .front import dim_arg, pick, reduce_dims

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import Dim, IntOrTuple, ShapeArg
    from tinygrad_book.tensor import Tensor


class RoundTrip(Function):
    """An op that is one array method, ``method``, setting one property of its input,
    ``prop`` (``reshape`` the shape, ``astype`` the dtype): backward calls the same
    method on the gradient to give it back the input's value of ``prop``. Tensors
    have the method too, so the one backward serves arrays and Tensors."""

    method: str
    prop: str

    @classmethod
    def forward(cls, ctx, a, value):
        ctx.input_value = getattr(a, cls.prop)
        return getattr(a, cls.method)(value)

    @classmethod
    def backward(cls, ctx, g):
        return getattr(g, cls.method)(ctx.input_value), None

    array_backward = backward


class Reshape(RoundTrip):
    """Same elements, new shape; the gradient is reshaped back."""

    method, prop = "reshape", "shape"


@tensor_method("reshape", "view")
def reshape(self: Tensor, *shape: ShapeArg) -> Tensor:
    shape = shape_arg(shape)
    try:
        new_shape = resolve_reshape(self.shape, shape)
    except ValueError as exc:
        raise ValueError(f"reshape: {exc}") from None
    if new_shape == self.shape:
        return self
    return Reshape.apply(self, new_shape)


@tensor_method("flatten")
def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` (inclusive) into one."""
    if self.ndim == 0:
        return self.reshape(1)
    start = dim_arg(start_dim, self.ndim, "flatten", "axis")
    end = dim_arg(end_dim, self.ndim, "flatten", "axis")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(self.shape[start:end + 1])
    return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])


class Permute(Function):
    """Axes reordered by ``axes``; the gradient is permuted by the inverse order."""

    @staticmethod
    def forward(ctx, a, axes):
        ctx.inverse = tuple(np.argsort(axes))
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.permute(*ctx.inverse), None

    @staticmethod
    def array_backward(ctx, g):
        return g.transpose(ctx.inverse), None


@tensor_method("permute")
def permute(self: Tensor, *axes: ShapeArg) -> Tensor:
    """Reorder the axes: output axis i is input axis ``axes[i]``."""
    given = shape_arg(axes)
    n = self.ndim
    if len(given) == n:
        for a in given:
            dim_arg(a, n, "permute", "axis")  # out of range: a DimensionError, as PyTorch
    if len(given) != n or sorted(a % max(n, 1) for a in given) != list(range(n)):
        raise ValueError(f"permute: {given} is not a permutation of the {n} "
                         f"axes of a tensor of shape {self.shape}")
    order = tuple(a % n for a in given) if n else ()
    if order == tuple(range(n)):
        return self
    return Permute.apply(self, order)


@tensor_method("transpose")  # swapaxes/swapdims: reorder.py
def transpose(self: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two axes (PyTorch's ``transpose(dim0, dim1)``)."""
    if self.ndim < 2:
        # Nothing to swap; but an axis given explicitly must still exist.
        if (dim0, dim1) != (-2, -1):
            dim_arg(dim0, self.ndim, "transpose", "axis")
            dim_arg(dim1, self.ndim, "transpose", "axis")
        return self
    axes = list(range(self.ndim))
    d0, d1 = dim_arg(dim0, self.ndim, "transpose", "axis"), \
        dim_arg(dim1, self.ndim, "transpose", "axis")
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return self.permute(*axes)


@tensor_method("squeeze")
def squeeze(self: Tensor, axis: Dim = None, dim: Dim = None) -> Tensor:
    axis = pick(dim, axis)
    if axis is None:
        shape = tuple(s for s in self.shape if s != 1)
    else:
        axes = reduce_dims(axis, self.ndim, "squeeze", "axis")
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
    return self.reshape(shape)


@tensor_method("unsqueeze")
def unsqueeze(self: Tensor, axis: Dim = None, dim: Dim = None) -> Tensor:
    axis = pick(dim, axis)
    if axis is None:
        raise TypeError("unsqueeze() missing the axis (dim) to insert")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"unsqueeze: axis must be an int, got {axis!r}")
    if not -self.ndim - 1 <= axis <= self.ndim:
        raise DimensionError(f"unsqueeze: axis {axis} is out of range for a tensor of "
                         f"{self.ndim} dimensions (expected {-self.ndim - 1}..{self.ndim})")
    axis = axis % (self.ndim + 1)
    return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])


class Expand(Function):
    """A broadcast view to ``shape``; the engine sums the gradient back."""

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None

    array_backward = backward  # the same lines serve arrays and Tensors


@tensor_method("expand")
def expand(self: Tensor, *shape: ShapeArg) -> Tensor:
    """Broadcast to ``shape`` (-1 keeps a dimension), without copying."""
    given = shape_arg(shape)
    lead = len(given) - self.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {self.shape} to fewer dimensions "
                         f"{given}")
    target = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                   for i, s in enumerate(given))
    try:
        np.broadcast_shapes(self.shape, target)
    except ValueError:
        raise ValueError(f"expand: shape {self.shape} cannot be broadcast to {target}") from None
    if target == self.shape:
        return self
    return Expand.apply(self, target)


@tensor_method("broadcast_to")
def broadcast_to(self: Tensor, shape: IntOrTuple) -> Tensor:
    return self.expand(shape)


def shape_arg(shape: tuple[ShapeArg, ...]) -> tuple[int, ...]:
    """Accept both f(2, 3) and f((2, 3))."""
    entries: Sequence[Any] = shape
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        entries = tuple(shape[0])
    for s in entries:
        if not checks.is_int(s):
            raise TypeError(f"shape entries must be ints, got {entries!r}")
    return tuple(int(s) for s in entries)


def resolve_reshape(old, new):
    size = int(np.prod(old))
    unknown = [i for i, s in enumerate(new) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in new):
        raise ValueError(f"invalid shape {new}: at most one -1 and no other negative sizes")
    known = int(np.prod([s for s in new if s != -1]))
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape a tensor of shape {old} ({size} elements) "
                             f"into {new}")
        new = tuple(size // known if s == -1 else s for s in new)
    elif known != size:
        raise ValueError(f"cannot reshape a tensor of shape {old} ({size} elements) into "
                         f"shape {new} ({known} elements)")
    return tuple(new)
