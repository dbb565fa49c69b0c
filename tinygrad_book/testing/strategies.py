"""Hypothesis strategies for gradient tests, as ``hypothesis.extra.numpy`` is for arrays.

    from tinygrad_book.testing.strategies import axes, broadcastable_shapes, shapes, tensors

* ``shapes()`` draws a shape; ``broadcastable_shapes(n)`` draws n shapes that
  broadcast together, with the size-1 and missing axes where broadcasting bugs hide;
* ``tensors()`` draws a float64 leaf Tensor that requires grad;
* ``axes(ndim)`` draws a reduction axis: an int (negative ones included) or a tuple.

Every strategy shrinks toward small shapes and simple values, so a failure found
by :func:`tinygrad_book.testing.gradcheck_property` is reported at its smallest.
Shapes come as :class:`Shape` tuples: ``gradcheck_property`` turns a drawn
``Shape`` into a random tensor, and passes any other drawn value (an axis, a
tuple of axes) to the function as it is. Needs Hypothesis (the ``testing`` extra).
"""

from typing import Any

import numpy as np

from .. import checks
from ..tensor import Tensor
from ._optional import hnp, require_hypothesis, st


class Shape(tuple):
    """A tuple of ints that ``gradcheck_property`` turns into a random tensor of that shape."""

    __slots__ = ()

    def __repr__(self):
        return tuple.__repr__(self)


def _check_bounds(fn, min_dims, max_dims, min_side, max_side):
    for name, value, minimum in (("min_dims", min_dims, 0), ("max_dims", max_dims, 0),
                                 ("min_side", min_side, 0), ("max_side", max_side, 0)):
        checks.integer(value, name, fn, minimum)
    if min_dims > max_dims:
        raise ValueError(f"{fn}: min_dims={min_dims} is larger than max_dims={max_dims}")
    if min_side > max_side:
        raise ValueError(f"{fn}: min_side={min_side} is larger than max_side={max_side}")


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Shapes with ``min_dims..max_dims`` axes of length ``min_side..max_side``.

    Shrinks toward ``min_dims`` axes of length ``min_side`` (a 0-d shape by default).
    """
    require_hypothesis("tinygrad_book.testing.strategies.shapes")
    _check_bounds("shapes", min_dims, max_dims, min_side, max_side)
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side).map(Shape)


def broadcastable_shapes(n, min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Tuples of ``n`` shapes that broadcast together (NumPy's rules).

    Where one shape has an axis of length > 1 another may have length 1 there or
    lack the axis (fewer leading axes): exactly the cases a hand-written
    un-broadcast gets wrong. ``gradcheck_property`` makes one tensor per shape.
    """
    require_hypothesis("tinygrad_book.testing.strategies.broadcastable_shapes")
    checks.integer(n, "n", "broadcastable_shapes", 1)
    _check_bounds("broadcastable_shapes", min_dims, max_dims, min_side, max_side)
    # Our own encoding rather than hnp.mutually_broadcastable_shapes: a full shape, then
    # per input how many trailing axes it keeps and which become 1. Each choice shrinks
    # on its own, so a failure shrinks to e.g. ((), (2,)) rather than ((1, 1, 1), (2, 1, 1)).
    full = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)

    def inputs_for(shape):
        def one():
            return st.integers(min_dims, len(shape)).flatmap(
                lambda k: st.tuples(*[st.booleans() for _ in range(k)]).map(
                    lambda ones: Shape(1 if is_one else side for is_one, side
                                       in zip(ones, shape[len(shape) - len(ones):], strict=True))))
        return st.tuples(*[one() for _ in range(n)])
    return full.flatmap(inputs_for)


def tensors(shape=None, dtype=np.float64, elements=None, requires_grad=True):
    """Leaf Tensors of ``dtype`` (float64: what gradcheck needs) with values from ``elements``.

    Args:
        shape: a shape tuple, an int (a 1-D length), a strategy drawing shapes, or
            ``None`` for ``shapes()``.
        elements: a strategy for the values; default finite floats in [-2, 2] that
            shrink toward 1.0 (restrict it for ops with a domain, e.g.
            ``st.floats(0.1, 3)`` for log).
        requires_grad: whether the tensors are checked by gradcheck.
    """
    require_hypothesis("tinygrad_book.testing.strategies.tensors")
    if shape is None:
        shape = shapes()
    elif checks.is_int(shape):
        shape = (int(shape),)
    if not isinstance(shape, st.SearchStrategy):
        if not isinstance(shape, (tuple, list)) or not all(
                checks.is_int(s) and int(s) >= 0
                for s in shape):
            raise TypeError(f"tensors: shape must be a tuple of non-negative ints, an int, a "
                            f"strategy or None, got {shape!r}")
        shape = st.just(tuple(int(s) for s in shape))
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"tensors: dtype must be a floating dtype, got {dtype!r}") from None
    if dtype.kind != "f":
        raise TypeError(f"tensors: dtype must be a floating dtype, got {dtype}")
    if elements is None:
        # Reflected about 1: Hypothesis shrinks toward 0, a kink of ReLU and abs, and a
        # value of ordinary size makes a shrunk failure plain (not a 1e-5 near a kink).
        elements = st.floats(-1.0, 3.0, allow_nan=False, allow_infinity=False,
                             allow_subnormal=False, width=min(64, 8 * dtype.itemsize)
                             ).map(lambda v: float(dtype.type(1.0 - v)))
    return hnp.arrays(dtype, shape, elements=elements).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def axes(ndim, allow_tuple=True, allow_none=False):
    """Reduction axes for a tensor of ``ndim`` axes, as PyTorch's ``dim`` accepts them.

    Draws an int in ``[-ndim, ndim)`` (0 and -1 for a 0-d tensor), or, with
    ``allow_tuple``, a tuple of distinct axes each written as a positive or a
    negative int (``(0, -1)``), or, with ``allow_none``, ``None`` (all axes).
    Shrinks toward 0, then -1.
    """
    require_hypothesis("tinygrad_book.testing.strategies.axes")
    checks.integer(ndim, "ndim", "axes", 0)
    n = max(ndim, 1)
    options: list[st.SearchStrategy[Any]] = [st.integers(-n, n - 1)]
    if allow_tuple:
        options.append(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)
                       .flatmap(lambda dims: st.tuples(*[st.sampled_from((d, d - n))
                                                         for d in dims])))
    if allow_none:
        options.append(st.none())
    return st.one_of(options)
