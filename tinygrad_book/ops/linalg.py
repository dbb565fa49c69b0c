"""Linear algebra: einsum (any subscripts, with '...' broadcasting) and the named
products built on it or on matmul: outer, dot, inner, mv, mm, bmm, addmm, baddbmm,
cross, trace.

Einsum's backward is einsum again: the gradient of an operand contracts the
output gradient with every other operand back onto that operand's subscripts,
so einsum is differentiable to any order.
"""
from __future__ import annotations

import string
from typing import TYPE_CHECKING

import numpy as np

from ..autograd import Function
from .front import as_tensor, constant, dim_arg, pair, tensor_method
from .join import Stack

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book._typing import ArrayLike, Dim
    from tinygrad_book.tensor import Tensor


class Einsum(Function):
    """z = einsum(equation, *operands), each operand already broadcast to the size of
    its letters;  dL/d(operand k) = einsum of g with the other operands, onto k's letters."""

    @staticmethod
    def forward(ctx, *arrays, terms=(), out=""):
        ctx.terms, ctx.out = terms, out
        ctx.sizes = {c: n for term, a in zip(terms, arrays, strict=True)
                     for c, n in zip(term, a.shape, strict=True)}
        ctx.save_for_backward(*arrays)
        equation = ",".join(terms) + "->" + out
        return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        return tuple(_einsum_grad(k, g, operands, ctx) if ctx.needs_input_grad[k] else None
                     for k in range(len(operands)))


def _einsum_grad(k, g, operands, ctx):
    """Gradient of operand ``k``: einsum(out, other terms -> term k). A letter repeated in
    term k (a diagonal) gets a fresh letter tied to it by an identity matrix; a letter
    only term k has (summed away) comes back through a vector of ones."""
    used = set("".join(ctx.terms) + ctx.out)
    fresh = iter(c for c in string.ascii_letters if c not in used)
    terms = [ctx.out] + [t for j, t in enumerate(ctx.terms) if j != k]
    inputs = [g] + [o for j, o in enumerate(operands) if j != k]
    target, seen = [], set()
    for c in ctx.terms[k]:
        n = ctx.sizes[c]
        if c in seen:
            new = next(fresh)
            terms.append(c + new)
            inputs.append(constant(np.eye(n, dtype=g.dtype)))
            target.append(new)
            continue
        seen.add(c)
        target.append(c)
        if not any(c in t for t in terms):
            terms.append(c)
            inputs.append(constant(np.ones(n, dtype=g.dtype)))
    return Einsum.apply(*inputs, terms=tuple(terms), out="".join(target))


def _parse(equation, shapes):
    """Explicit subscripts: '...' replaced by letters, the implicit output spelled out."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum(): equation {equation!r} has {len(terms)} operand(s) but "
                         f"{len(shapes)} tensor(s) were given")
    spare = [c for c in string.ascii_letters if c not in eq]
    ell = max([len(s) - len(t) + 3 for t, s in zip(terms, shapes, strict=True) if "..." in t]
              or [0])
    ell_letters = "".join(spare[:ell])
    explicit = []
    for t, shape in zip(terms, shapes, strict=True):
        if "..." in t:
            k = len(shape) - len(t) + 3
            t = t.replace("...", ell_letters[ell - k:] if k > 0 else "")
        if len(t) != len(shape) or not t.isalpha() and t:
            raise ValueError(f"einsum(): subscripts {t!r} do not fit an operand of shape {shape}")
        explicit.append(t)
    if arrow:
        out = rhs.replace("...", ell_letters)
    else:
        letters = "".join(explicit)
        out = ell_letters + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                           and c not in ell_letters))
    if len(set(out)) != len(out) or any(c not in "".join(explicit) for c in out):
        raise ValueError(f"einsum(): output subscripts {rhs!r} repeat a letter or use one no "
                         "operand has")
    return explicit, out


def einsum(equation: str, *operands: Tensor | Sequence[Tensor]) -> Tensor:
    """Sum of products over the subscripts of ``equation`` (NumPy's and PyTorch's
    notation: 'ij,jk->ik', 'bij,bjk', '...ij->...ji'); size-1 dimensions broadcast."""
    given: Sequence[Any] = operands
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        given = tuple(operands[0])
    ts = [as_tensor(o) for o in given]
    terms, out = _parse(equation, [o.shape for o in ts])
    sizes: dict[str, int] = {}
    for term, o in zip(terms, ts, strict=True):
        for c, n in zip(term, o.shape, strict=True):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum(): subscript {c!r} has size {sizes[c]} in one operand "
                                 f"and {n} in another (shapes "
                                 f"{', '.join(str(o.shape) for o in ts)})")
            sizes[c] = max(sizes.get(c, 1), n)
    ts = [o.expand(tuple(sizes[c] for c in term)) for term, o in zip(terms, ts, strict=True)]
    if len({o.dtype for o in ts}) > 1:
        dtype = np.result_type(*[o.dtype for o in ts])
        ts = [o.astype(dtype) for o in ts]
    return Einsum.apply(*ts, terms=tuple(terms), out=out)


def _need(t, ndims, op, name):
    if t.ndim not in ndims:
        raise ValueError(f"{op}: {name} must be {' or '.join(f'{n}-d' for n in ndims)}, got "
                         f"shape {t.shape}")


@tensor_method("outer", "ger")
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-d tensors: (n,), (m,) -> (n, m)."""
    a, b = pair(input, vec2, broadcast=False)
    _need(a, (1,), "outer()", "input"), _need(b, (1,), "outer()", "vec2")
    return a.reshape(-1, 1) * b.reshape(1, -1)


@tensor_method()
def dot(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """The inner product of two 1-d tensors of equal length (a 0-d tensor)."""
    a, b = pair(input, other, broadcast=False)
    _need(a, (1,), "dot()", "input"), _need(b, (1,), "dot()", "other")
    if a.shape != b.shape:
        raise ValueError(f"dot(): the operands have shapes {a.shape} and {b.shape}; expected "
                         "two 1-d tensors of the same length")
    return a @ b


@tensor_method()
def inner(input: Tensor, other: Tensor | ArrayLike) -> Tensor:
    """Sum of products over the last dimension of both (a number for 0-d operands)."""
    a, b = pair(input, other, broadcast=False)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner(): last dimensions differ: shapes {a.shape} and {b.shape}")
    lead_a, lead_b = a.shape[:-1], b.shape[:-1]
    flat = a.reshape(-1, a.shape[-1]) @ b.reshape(-1, b.shape[-1]).T
    return flat.reshape(lead_a + lead_b)


@tensor_method()
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,) -> (n,)."""
    _need(input, (2,), "mv()", "input"), _need(as_tensor(vec), (1,), "mv()", "vec")
    return input @ vec


@tensor_method()
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two 2-d tensors (no broadcasting, as PyTorch's mm)."""
    _need(input, (2,), "mm()", "input"), _need(as_tensor(mat2), (2,), "mm()", "mat2")
    return input @ mat2


@tensor_method()
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p); batches must match."""
    mat2 = as_tensor(mat2)
    _need(input, (3,), "bmm()", "input"), _need(mat2, (3,), "bmm()", "mat2")
    if input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm(): batch sizes differ: shapes {input.shape} and {mat2.shape}")
    return input @ mat2


@tensor_method()
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta · input + alpha · (mat1 @ mat2), input broadcasting to the product's shape."""
    return _scaled_sum(input, mm(as_tensor(mat1), mat2), beta, alpha)


@tensor_method()
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, beta: float = 1,
            alpha: float = 1) -> Tensor:
    """beta · input + alpha · bmm(batch1, batch2)."""
    return _scaled_sum(input, bmm(as_tensor(batch1), batch2), beta, alpha)


@tensor_method()
def addmv(input: Tensor, mat: Tensor, vec: Tensor, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta · input + alpha · (mat @ vec)."""
    return _scaled_sum(input, mv(as_tensor(mat), vec), beta, alpha)


def _scaled_sum(input, product, beta, alpha):
    product = product if alpha == 1 else product * alpha
    input = as_tensor(input)
    if beta == 0:  # PyTorch ignores input then, NaN and inf included
        return product + constant(np.zeros(input.shape, product.dtype))
    return (input if beta == 1 else input * beta) + product


@tensor_method()
def cross(input: Tensor, other: Tensor | ArrayLike, dim: Dim = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (None: the first dimension of
    length 3, as PyTorch's ``torch.cross``; ``linalg.cross`` uses -1)."""
    a, b = pair(input, other, "cross()")
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = a.expand(shape), b.expand(shape)
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross(): no dimension of length 3 in shape {shape}")
    dim = dim_arg(dim, len(shape), "cross()")
    if shape[dim] != 3:
        raise ValueError(f"cross(): dimension {dim} of shape {shape} has length "
                         f"{shape[dim]}; expected 3")
    x, y = [[t.select(dim, i) for i in range(3)] for t in (a, b)]
    parts = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]]
    return Stack.apply(*parts, axis=dim)


@tensor_method()
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-d tensor."""
    _need(input, (2,), "trace()", "input")
    return input.diagonal().sum()
