"""Tensor methods and functions PyTorch users reach for that are compositions of other
ops: vstack/hstack/dstack/column_stack, atleast_1d/2d/3d, rot90, kron, tensordot,
diff, expand_as/view_as/reshape_as, clamp_min/clamp_max, addcmul/addcdiv,
float_power, fmax/fmin, nan_to_num, logit.

Each is differentiable through the ops it is made of.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, overload

import numpy as np

from ..registry import tensor_method
from .front import as_tensor, constant, dim_arg, int_arg, pair
from .join import cat
from .linalg import einsum
from .select import where

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import ArrayLike, IntOrTuple
    from tinygrad_book.tensor import Tensor


@overload
def atleast_1d(tensor: Tensor, /) -> Tensor: ...
@overload
def atleast_1d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]: ...
def atleast_1d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,))."""
    out = tuple(as_tensor(t).reshape(1) if as_tensor(t).ndim == 0 else as_tensor(t)
                for t in _flat(tensors))
    return out[0] if len(out) == 1 else out


@overload
def atleast_2d(tensor: Tensor, /) -> Tensor: ...
@overload
def atleast_2d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]: ...
def atleast_2d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least 2 dimensions (leading 1s added)."""
    out = tuple(_lead(as_tensor(t), 2) for t in _flat(tensors))
    return out[0] if len(out) == 1 else out


@overload
def atleast_3d(tensor: Tensor, /) -> Tensor: ...
@overload
def atleast_3d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]: ...
def atleast_3d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least 3 dimensions: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    def three(t: Tensor) -> Tensor:
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.reshape(1, -1, 1)
        return t.unsqueeze(-1) if t.ndim == 2 else t
    out = tuple(three(as_tensor(t)) for t in _flat(tensors))
    return out[0] if len(out) == 1 else out


def _flat(tensors: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(tensors[0])
    return tensors


def _lead(t: Tensor, n: int) -> Tensor:
    return t.reshape((1,) * (n - t.ndim) + t.shape) if t.ndim < n else t


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Stack rows: 1-d tensors become rows, then ``cat`` along dim 0."""
    return cat([_lead(as_tensor(t), 2) for t in tensors], dim=0)


row_stack = vstack


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join 1-d tensors end to end, others along dim 1."""
    parts = [atleast_1d(t) for t in tensors]
    return cat(parts, dim=0 if parts[0].ndim == 1 else 1)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the third dimension (after ``atleast_3d``)."""
    return cat([atleast_3d(t) for t in tensors], dim=2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """1-d tensors become columns, then ``hstack``."""
    cols = [as_tensor(t) for t in tensors]
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in cols])


@tensor_method
def rot90(self: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90° ``k`` times in the plane of ``dims`` (from the first towards the second)."""
    k = int_arg(k, "rot90()", "k") % 4
    if len(dims) != 2:
        raise ValueError(f"rot90(): dims must be two dimensions, got {dims!r}")
    d0, d1 = dim_arg(dims[0], self.ndim, "rot90()", "dims"), dim_arg(dims[1], self.ndim,
                                                                    "rot90()", "dims")
    if d0 == d1:
        raise ValueError(f"rot90(): dims must differ, got {dims!r}")
    if k == 1:
        return self.flip(d1).swapdims(d0, d1)
    if k == 2:
        return self.flip(d0, d1)
    if k == 3:
        return self.swapdims(d0, d1).flip(d1)
    return self


def kron(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """The Kronecker product: every element of ``input`` times the whole of ``other``."""
    a, b = pair(input, other, broadcast=False)
    n = max(a.ndim, b.ndim)
    a, b = _lead(a, n), _lead(b, n)
    letters = "abcdefghijklm"[:n], "nopqrstuvwxyz"[:n]
    out = einsum(f"{letters[0]},{letters[1]}->" + "".join(x + y for x, y in zip(*letters,
                                                                                strict=True)),
                 a, b)
    return out.reshape(tuple(x * y for x, y in zip(a.shape, b.shape, strict=True)))


def tensordot(a: Tensor, b: Tensor, dims: IntOrTuple = 2) -> Tensor:
    """Sum of products over the last ``dims`` dimensions of ``a`` and the first of ``b``,
    or over the dimension lists ``dims = (dims_a, dims_b)``."""
    a, b = pair(a, b, broadcast=False)
    if isinstance(dims, (int, np.integer)):
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    dims_a = [dim_arg(d, a.ndim, "tensordot()", "dims") for d in dims_a]
    dims_b = [dim_arg(d, b.ndim, "tensordot()", "dims") for d in dims_b]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    ta = [next(letters) for _ in range(a.ndim)]
    tb_ = [next(letters) for _ in range(b.ndim)]
    for da, db in zip(dims_a, dims_b, strict=True):
        tb_[db] = ta[da]
    out = [c for i, c in enumerate(ta) if i not in dims_a] + \
        [c for i, c in enumerate(tb_) if i not in dims_b]
    return einsum(f"{''.join(ta)},{''.join(tb_)}->{''.join(out)}", a, b)


@tensor_method
def diff(self: Tensor, n: int = 1, dim: int = -1, prepend: Any = None,
         append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined first)."""
    if self.ndim == 0:
        raise ValueError("diff(): expects a tensor of at least 1 dimension, got shape ()")
    dim = dim_arg(dim, self.ndim, "diff()")
    x = cat([t for t in (prepend, self, append) if t is not None], dim=dim) \
        if prepend is not None or append is not None else self
    for _ in range(int_arg(n, "diff()", "n", 0)):
        if x.shape[dim] == 0:
            break
        x = x.narrow(dim, 1, x.shape[dim] - 1) - x.narrow(dim, 0, x.shape[dim] - 1)
    return x


@tensor_method
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``expand`` to ``other``'s shape."""
    return self.expand(other.shape)


@tensor_method("view_as", "reshape_as")
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """``reshape`` to ``other``'s shape."""
    return self.reshape(other.shape)


@tensor_method
def clamp_min(self: Tensor, min: Tensor | ArrayLike) -> Tensor:
    """Values below ``min`` raised to it."""
    return self.clamp(min=min)


@tensor_method
def clamp_max(self: Tensor, max: Tensor | ArrayLike) -> Tensor:
    """Values above ``max`` lowered to it."""
    return self.clamp(max=max)


@tensor_method
def addcmul(self: Tensor, tensor1: Tensor, tensor2: Tensor, value: float = 1) -> Tensor:
    """self + value · tensor1 · tensor2."""
    return self + tensor1 * tensor2 * value


@tensor_method
def addcdiv(self: Tensor, tensor1: Tensor, tensor2: Tensor, value: float = 1) -> Tensor:
    """self + value · tensor1 / tensor2."""
    return self + tensor1 / tensor2 * value


@tensor_method
def float_power(self: Tensor, exponent: float) -> Tensor:
    """self ** exponent in float64, as PyTorch's."""
    a, b = pair(self, exponent)
    return a.astype(np.float64) ** b.astype(np.float64)


@tensor_method
def fmax(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    a, b = pair(self, other)
    return where(np.isnan(b.data), a, where(np.isnan(a.data), b, a.maximum(b)))


@tensor_method
def fmin(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    a, b = pair(self, other)
    return where(np.isnan(b.data), a, where(np.isnan(a.data), b, a.minimum(b)))


@tensor_method
def nan_to_num(self: Tensor, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default
    0 and the dtype's largest and smallest finite values); gradient 1 elsewhere."""
    if self.dtype.kind != "f":
        return self
    info = np.finfo(self.dtype)
    out = where(np.isnan(self.data), constant(np.array(nan, self.dtype)), self)
    out = where(np.isposinf(self.data), constant(np.array(
        info.max if posinf is None else posinf, self.dtype)), out)
    return where(np.isneginf(self.data), constant(np.array(
        info.min if neginf is None else neginf, self.dtype)), out)


@tensor_method
def logit(self: Tensor, eps: float | None = None) -> Tensor:
    """ln(p / (1 - p)), with p clamped to [eps, 1 - eps] when ``eps`` is given."""
    p = self if eps is None else self.clamp(eps, 1 - eps)
    return (p / (1 - p)).log()

