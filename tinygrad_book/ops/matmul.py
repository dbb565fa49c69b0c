"""Matrix product with NumPy's batched broadcasting rules."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..registry import tensor_method
from .elementwise import SavesInputs
from .operands import as_operand, as_tensor, promote

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


class MatMul(SavesInputs):
    """Z = A @ B for A (..., n, k), B (..., k, m);  dL/dA = G Bᵀ, dL/dB = Aᵀ G  (book eq. 5.13).

    Batch dimensions broadcast; the engine sums the gradient over the batch
    dimensions an operand was broadcast along.
    """

    ufunc = np.matmul

    @staticmethod
    def grads(needs, g, a, b):
        ga = g @ b.swapaxes(-1, -2) if needs[0] else None
        gb = a.swapaxes(-1, -2) @ g if needs[1] else None
        return ga, gb


@tensor_method("__matmul__", "matmul")
def matmul(a: Tensor | ArrayLike, b: Tensor) -> Tensor:
    """Matrix product with NumPy's rules for 1-D and batched operands."""
    if isinstance(b, registry.Tensor):
        a = as_operand(a, b)
    else:
        a = as_tensor(a)
        b = as_operand(b, a)
    check_matmul_shapes(a.shape, b.shape)
    if a.dtype.kind != b.dtype.kind:
        a, b = (x if isinstance(x, registry.Tensor) else registry.constant(x)
                for x in promote(a, b, a.dtype, b.dtype, False, cast_bool=True))
    squeeze_first = a.ndim == 1
    squeeze_last = b.ndim == 1
    if squeeze_first:
        a = a.reshape(1, a.shape[0])
    if squeeze_last:
        b = b.reshape(b.shape[0], 1)
    out = MatMul.apply(a, b)
    if squeeze_first and squeeze_last:
        return out.reshape(())
    if squeeze_first:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if squeeze_last:
        return out.reshape(out.shape[:-1])
    return out


@tensor_method("__rmatmul__")
def rmatmul(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
    return matmul(other, self)


def check_matmul_shapes(a_shape, b_shape):
    """Raise a ValueError naming both shapes when ``a @ b`` is undefined."""
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got shapes {a_shape} and {b_shape}")
    k_a = a_shape[-1]
    k_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if k_a != k_b:
        raise ValueError(
            f"matmul: shapes {a_shape} and {b_shape} are not aligned: the first's last "
            f"dimension ({k_a}) must equal the second's "
            f"{'only' if len(b_shape) == 1 else 'second-to-last'} dimension ({k_b})")
    batch_a, batch_b = a_shape[:-2], b_shape[:-2]
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise ValueError(
            f"matmul: the batch dimensions of shapes {a_shape} and {b_shape} "
            f"({batch_a} and {batch_b}) do not broadcast") from None
