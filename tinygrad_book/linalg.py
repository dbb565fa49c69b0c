"""``tinygrad_book.linalg``, as ``torch.linalg``: norms, the cross product, matmul."""
from .ops.linalg import cross as _cross
from .ops.matmul import matmul
from .ops.norms import matrix_norm, norm, vector_norm


def cross(input, other, dim=-1):
    """The cross product of 3-vectors along ``dim`` (default the last, as torch.linalg)."""
    return _cross(input, other, dim)


__all__ = ["cross", "matmul", "matrix_norm", "norm", "vector_norm"]
