"""tinygrad_book.testing.strategies: shapes, broadcastable shapes, tensors and axes."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import configuration, find, given, settings
from hypothesis import strategies as st

import tinygrad_book as tb
from tinygrad_book.testing.strategies import Shape, axes, broadcastable_shapes, shapes, tensors

FEW = settings(max_examples=25, deadline=None)


@FEW
@given(shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_their_bounds(shape):
    assert isinstance(shape, Shape) and isinstance(shape, tuple)
    assert 1 <= len(shape) <= 3 and all(2 <= s <= 4 for s in shape)


@FEW
@given(broadcastable_shapes(3, max_dims=3, max_side=3))
def test_broadcastable_shapes_broadcast_together(drawn):
    assert len(drawn) == 3 and all(isinstance(s, Shape) for s in drawn)
    np.broadcast_shapes(*drawn)  # raises if they do not


def test_broadcastable_shapes_include_size_one_and_missing_axes():
    seen = {"size-1 axis": False, "missing axis": False}

    # derandomize: the same 100 draws every run, so the test cannot fail by chance.
    @settings(max_examples=100, deadline=None, derandomize=True)
    @given(broadcastable_shapes(2, min_dims=0, max_dims=3, max_side=3))
    def look(drawn):
        a, b = drawn
        if len(a) != len(b):
            seen["missing axis"] = True
        for x, y in ((a, b), (b, a)):  # either operand may be the broadcast one
            if any(p == 1 and q > 1 for p, q in zip(x[::-1], y[::-1], strict=False)):
                seen["size-1 axis"] = True

    look()
    assert all(seen.values()), seen


@FEW
@given(tensors(shapes(max_dims=3, max_side=3)))
def test_tensors_are_float64_leaves_that_require_grad(x):
    assert isinstance(x, tb.Tensor) and x.dtype == np.float64
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    assert np.all(np.isfinite(x.data)) and np.all(np.abs(x.data) <= 2)


@FEW
@given(tensors((2, 3), dtype=np.float32, elements=st.floats(0.5, 1.0, width=32),
               requires_grad=False), tensors(4))
def test_tensors_take_a_shape_an_int_a_dtype_and_elements(x, y):
    assert x.shape == (2, 3) and x.dtype == np.float32 and not x.requires_grad
    assert np.all((0.5 <= x.data) & (x.data <= 1.0))
    assert y.shape == (4,)


def test_tensors_shrink_toward_one_not_the_kink_at_zero():
    smallest = find(tensors(()), lambda t: True, settings=settings(database=None))
    assert smallest.data.item() == 1.0


@pytest.mark.parametrize("ndim", [0, 1, 3])
def test_axes_are_in_range_negative_ones_included_and_tuples_distinct(ndim):
    kinds = set()

    @settings(max_examples=80, deadline=None)
    @given(axes(ndim))
    def look(axis):
        n = max(ndim, 1)
        items = axis if isinstance(axis, tuple) else (axis,)
        assert items and all(-n <= a < n for a in items)
        assert len({a % n for a in items}) == len(items)  # no axis twice
        tb.ones(*(2,) * ndim).sum(axis=axis)  # a valid reduction axis
        kinds.add("tuple" if isinstance(axis, tuple) else "negative" if axis < 0 else "int")

    look()
    assert kinds == {"tuple", "negative", "int"}


@FEW
@given(axes(2, allow_tuple=False, allow_none=True))
def test_axes_options(axis):
    assert axis is None or isinstance(axis, int)


@pytest.mark.parametrize("make, error, text", [
    (lambda: shapes(min_dims=3, max_dims=2), ValueError,
     "shapes: min_dims=3 is larger than max_dims=2"),
    (lambda: shapes(max_side=-1), ValueError, "shapes: max_side must be non-negative, got -1"),
    (lambda: broadcastable_shapes(0), ValueError,
     "broadcastable_shapes: n must be positive, got 0"),
    (lambda: broadcastable_shapes(2.0), TypeError, "broadcastable_shapes: n must be an int"),
    (lambda: tensors((2, -1)), TypeError, "tensors: shape must be a tuple of non-negative ints"),
    (lambda: tensors((2,), dtype=np.int64), TypeError,
     "tensors: dtype must be a floating dtype, got int64"),
    (lambda: axes(-1), ValueError, "axes: ndim must be non-negative, got -1"),
])
def test_bad_arguments_are_refused_by_name(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_hypothesis_writes_nothing_into_the_repository():
    # tests/conftest.py: no example database, and Hypothesis's home in a temporary directory
    repo = Path(__file__).resolve().parents[3]
    assert settings.default.database is None
    home = configuration.storage_directory("constants").path.resolve()
    assert repo not in home.parents, home
