"""gradcheck/gradgradcheck of the shape ops, indexing, joining and padding."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.testing import assert_gradcheck

SHAPE_OPS = [
    ("reshape", lambda a: a.reshape(3, 4), (2, 6), (3, 4)),
    ("reshape-tuple", lambda a: a.reshape((4, -1)), (2, 6), (4, 3)),
    ("reshape-0d", lambda a: a.reshape(()), (1, 1), ()),
    ("view", lambda a: a.view(-1), (2, 3), (6,)),
    ("transpose", lambda a: a.transpose(0, 2), (2, 3, 4), (4, 3, 2)),
    ("transpose-default", lambda a: a.transpose(), (2, 3, 4), (2, 4, 3)),
    ("transpose-negative", lambda a: a.transpose(-3, -1), (2, 3, 4), (4, 3, 2)),
    ("T", lambda a: a.T, (2, 3), (3, 2)),
    ("permute", lambda a: a.permute(2, 0, 1), (2, 3, 4), (4, 2, 3)),
    ("permute-tuple-negative", lambda a: a.permute((-1, 0, 1)), (2, 3, 4), (4, 2, 3)),
    ("flatten", lambda a: a.flatten(), (2, 3, 2), (12,)),
    ("flatten-from-1", lambda a: a.flatten(1), (2, 3, 2), (2, 6)),
    ("flatten-range", lambda a: a.flatten(0, -2), (2, 3, 2), (6, 2)),
    ("squeeze", lambda a: a.squeeze(), (1, 3, 1), (3,)),
    ("squeeze-axis", lambda a: a.squeeze(0), (1, 3, 1), (3, 1)),
    ("squeeze-negative", lambda a: a.squeeze(dim=-1), (1, 3, 1), (1, 3)),
    ("squeeze-not-one", lambda a: a.squeeze(1), (1, 3, 1), (1, 3, 1)),
    ("unsqueeze", lambda a: a.unsqueeze(0), (2, 3), (1, 2, 3)),
    ("unsqueeze-negative", lambda a: a.unsqueeze(-1), (2, 3), (2, 3, 1)),
    ("unsqueeze-middle", lambda a: a.unsqueeze(dim=1), (2, 3), (2, 1, 3)),
    ("expand", lambda a: a.expand(2, 3, 4), (3, 1), (2, 3, 4)),
    ("expand-minus-one", lambda a: a.expand(-1, 4), (3, 1), (3, 4)),
    ("expand-tuple", lambda a: a.expand((2, 3)), (3,), (2, 3)),
    ("broadcast_to", lambda a: a.broadcast_to((2, 3)), (1, 3), (2, 3)),
]


@pytest.mark.parametrize("name,fn,in_shape,out_shape", SHAPE_OPS, ids=[c[0] for c in SHAPE_OPS])
def test_shape_op_gradcheck(name, fn, in_shape, out_shape):
    (x,) = assert_gradcheck(lambda a: fn(a) * fn(a), in_shape, second_order=True)
    out = fn(x)
    assert out.shape == out_shape
    np.testing.assert_array_equal(out.data, _numpy_reference(name, x.data, out_shape))


def _numpy_reference(name, a, out_shape):
    if name.startswith(("transpose", "T", "permute")):
        perms = {"transpose": (2, 1, 0), "transpose-default": (0, 2, 1),
                 "transpose-negative": (2, 1, 0), "T": (1, 0), "permute": (2, 0, 1),
                 "permute-tuple-negative": (2, 0, 1)}
        return a.transpose(perms[name])
    if name.startswith(("expand", "broadcast")):
        return np.broadcast_to(a, out_shape)
    return a.reshape(out_shape)


def test_expand_sums_the_gradient_back():
    x = tb.tensor([[1.0], [2.0]], requires_grad=True)
    (x.expand(2, 3) * tb.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [[6.0], [6.0]]


def test_shape_ops_return_self_when_nothing_changes():
    x = tb.zeros(2, 3, requires_grad=True)
    assert x.reshape(2, 3) is x and x.permute(0, 1) is x and x.expand(2, 3) is x
    assert x.squeeze() is x


# Indices of every kind, on a (3, 4, 2) tensor.
INDICES = {
    "int": 1,
    "negative-int": -1,
    "tuple": (2, 1),
    "slice": slice(1, None),
    "slice-step": (slice(None, None, 2), slice(3, 0, -2)),
    "negative-step": slice(None, None, -1),
    "None": (None, 0),
    "Ellipsis": (Ellipsis, 1),
    "Ellipsis-None": (0, Ellipsis, None),
    "int-array": np.array([0, 2]),
    "int-array-repeats": np.array([2, 0, 2, 2]),
    "list-repeats": [1, 1, 0],
    "2d-int-array": np.array([[0, 1], [1, 1]]),
    "two-int-arrays": (np.array([0, 2, 2]), np.array([3, 1, 3])),
    "array-and-slice": (slice(None), [3, 0, 3]),
    "tensor-index": tb.tensor([2, 2, 1]),
    "bool-mask": np.array([True, False, True]),
    "bool-mask-2d": np.array([[True, False, True, False], [False, False, True, True],
                              [True, True, False, False]]),
    "bool-tensor-mask": tb.tensor([False, True, True]),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_getitem_gradcheck(name):
    index = INDICES[name]
    (x,) = assert_gradcheck(lambda a: a[index] * a[index], (3, 4, 2), second_order=True)
    raw_index = index.data if isinstance(index, tb.Tensor) else index
    np.testing.assert_array_equal(x[index].data, x.data[raw_index])


def test_getitem_with_repeated_indices_adds_up_gradients():
    x = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 2, 2, 2]].sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 3.0]


def test_getitem_index_can_be_a_boolean_comparison():
    x = tb.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    positives = x[x > 0]
    assert positives.tolist() == [2.0, 4.0]
    positives.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize("index,match", [
    (5, r"index 5 is invalid for a tensor of shape \(3, 4\): index 5 is out of bounds"),
    ((0, 0, 0), r"invalid for a tensor of shape \(3, 4\): too many indices"),
    (1.5, r"index 1.5 is invalid for a tensor of shape \(3, 4\)"),
    ([0, 7], r"is invalid for a tensor of shape \(3, 4\): index 7 is out of bounds"),
    (np.array([True, False]), r"invalid for a tensor of shape \(3, 4\): boolean index"),
])
def test_bad_index_is_refused_before_recording(index, match):
    x = tb.zeros(3, 4, requires_grad=True)
    with pytest.raises(IndexError, match=match):
        x[index]


def test_setitem_outside_the_graph():
    x = tb.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = tb.tensor([1.0, 2.0, 3.0])
    x[x > 2.5] = -1.0
    assert x.tolist() == [[0.0, -1.0, 0.0], [1.0, 2.0, -1.0]]
    with pytest.raises(ValueError, match=r"cannot assign .* to index 0 of a tensor of shape "
                                         r"\(2, 3\)"):
        x[0] = np.ones(4)
    assert x.tolist() == [[0.0, -1.0, 0.0], [1.0, 2.0, -1.0]]  # unchanged by the failure


def test_setitem_on_a_tensor_requiring_grad_needs_no_grad():
    w = tb.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"in-place assignment to a tensor that requires grad"):
        w[0] = 1.0
    assert w.tolist() == [0.0, 0.0, 0.0]
    with tb.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("shapes,axis", [
    (((2, 3), (4, 3)), 0),
    (((2, 3), (2, 1), (2, 2)), 1),
    (((2, 3), (2, 2)), -1),
    (((3,), (1,)), 0),
], ids=str)
def test_cat_gradcheck(shapes, axis):
    tensors = assert_gradcheck(lambda *ts: tb.cat(ts, axis=axis) ** 2, *shapes, second_order=True)
    np.testing.assert_array_equal(tb.cat(tensors, dim=axis).data,
                                  np.concatenate([t.data for t in tensors], axis=axis))
    assert tb.concatenate is tb.cat


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_gradcheck(axis):
    tensors = assert_gradcheck(lambda *ts: tb.stack(ts, axis=axis) ** 2, (2, 3), (2, 3), (2, 3),
                               second_order=True)
    np.testing.assert_array_equal(tb.stack(tensors, dim=axis).data,
                                  np.stack([t.data for t in tensors], axis=axis))


@pytest.mark.parametrize("size,axis,expected", [
    (2, 0, [(2, 3), (2, 3), (1, 3)]),
    ([1, 4], 0, [(1, 3), (4, 3)]),
    ((1, 1, 1), 1, [(5, 1), (5, 1), (5, 1)]),
    (2, -1, [(5, 2), (5, 1)]),
])
def test_split_gradcheck(size, axis, expected):
    (x,) = assert_gradcheck(lambda a: tuple(p * p for p in tb.split(a, size, axis)), (5, 3),
                            second_order=True)
    parts = x.split(size, dim=axis)
    assert [p.shape for p in parts] == expected
    np.testing.assert_array_equal(tb.cat(parts, axis=axis).data, x.data)


def test_chunk_splits_into_equal_parts():
    parts = tb.arange(10).chunk(3)
    assert [p.tolist() for p in parts] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


@pytest.mark.parametrize("pad_width,out_shape", [
    (1, (4, 5)),
    ((1, 2), (5, 6)),
    (((0, 1), (2, 0)), (3, 5)),
    ([(1, 1)], (4, 5)),
    (((0, 0), (0, 0)), (2, 3)),
], ids=str)
def test_pad_gradcheck(pad_width, out_shape):
    (x,) = assert_gradcheck(lambda a: tb.pad(a, pad_width, value=0.5) ** 2, (2, 3),
                            second_order=True)
    out = x.pad(pad_width, value=0.5)
    assert out.shape == out_shape
    np.testing.assert_array_equal(out.data, np.pad(x.data, pad_width, constant_values=0.5))


@pytest.mark.parametrize("pad_width,match", [
    (-1, "has negative entries"),
    (1.5, r"has non-integer entries \(float64\)"),
    (((1, 2, 3),), r"has shape \(1, 3\)"),
    (((1, 1), (1, 1), (1, 1)), r"has shape \(3, 2\)"),
    ([[1, 2], [3]], "is ragged"),
])
def test_bad_pad_width_is_refused(pad_width, match):
    with pytest.raises(ValueError, match=r"pad: pad_width .* " + match +
                       r"; expected an int, a \(before, after\) pair, or one pair for each "
                       r"of the 2 axes of shape \(2, 3\)"):
        tb.pad(tb.zeros(2, 3), pad_width)


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 1, 2, 3), (3, 3, 2)),
    ((4, 2, 3), (4, 3, 1)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_gradcheck(shapes):
    a, b = assert_gradcheck(lambda a, b: a @ b, *shapes, second_order=True)
    out = tb.matmul(a, b)
    np.testing.assert_allclose(out.data, np.matmul(a.data, b.data), rtol=1e-12)


def test_matmul_with_arrays_on_either_side():
    w = tb.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    left = np.array([1.0, 1.0], dtype=np.float32) @ w
    right = w @ np.array([1.0, 0.0], dtype=np.float32)
    assert isinstance(left, tb.Tensor) and left.tolist() == [4.0, 6.0]
    assert right.tolist() == [1.0, 3.0]
    (left.sum() + right.sum()).backward()
    assert w.grad.tolist() == [[2.0, 1.0], [2.0, 1.0]]


@pytest.mark.parametrize("a,b,match", [
    ((2, 3), (4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned: the first's last "
                     r"dimension \(3\) must equal the second's second-to-last dimension \(4\)"),
    ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) are not aligned"),
    ((2, 2, 3), (3, 3, 4), r"matmul: the batch dimensions of shapes \(2, 2, 3\) and "
                           r"\(3, 3, 4\) \(\(2,\) and \(3,\)\) do not broadcast"),
    ((), (3,), r"matmul: both operands need at least 1 dimension, got shapes \(\) and \(3,\)"),
])
def test_matmul_mismatched_shapes_names_both(a, b, match):
    with pytest.raises(ValueError, match=match):
        tb.zeros(*a, requires_grad=True) @ tb.zeros(*b)


@pytest.mark.parametrize("call,match", [
    (lambda x: x.reshape(4, 2), r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 "
                                r"elements\) into shape \(4, 2\) \(8 elements\)"),
    (lambda x: x.reshape(-1, 4), r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 "
                                 r"elements\) into \(-1, 4\)"),
    (lambda x: x.view(-1, -1), r"reshape: invalid shape \(-1, -1\): at most one -1"),
    (lambda x: x.permute(0, 0), r"permute: \(0, 0\) is not a permutation of the 2 axes"),
    (lambda x: x.expand(3, 3), r"expand: shape \(2, 3\) cannot be broadcast to \(3, 3\)"),
    (lambda x: x.expand(3), r"expand: cannot expand shape \(2, 3\) to fewer dimensions"),
    (lambda x: x.unsqueeze(4), r"unsqueeze: axis 4 is out of range for a tensor of 2 "
                               r"dimensions \(expected -3..2\)"),
    (lambda x: x.transpose(0, 2), r"transpose: axis 2 is out of range"),
    (lambda x: x.flatten(1, 0), r"flatten: start_dim 1 comes after end_dim 0"),
    (lambda x: tb.cat([x, tb.zeros(3, 2)]), r"cat: tensor 1 has shape \(3, 2\), which does "
                                            r"not match tensor 0's shape \(2, 3\) outside axis 0"),
    (lambda x: tb.stack([x, tb.zeros(3, 2)]), r"stack: tensor 1 has shape \(3, 2\) but tensor "
                                              r"0 has \(2, 3\)"),
    (lambda x: tb.split(x, [1, 2], 0), r"split: sections \[1, 2\] sum to 3 but axis 0 has "
                                       r"length 2"),
    (lambda x: tb.split(x, 0), r"split: split_size must be positive, got 0"),
    (lambda x: x.split([3, -1], dim=1), r"split: sections must be non-negative ints, got "
                                        r"\[3, -1\]"),
    (lambda x: x[0].transpose(0, 5), r"transpose: axis 5 is out of range for a tensor of 1 "
                                     r"dimensions"),
    (lambda x: tb.cat([]), r"cat: expected a non-empty sequence of tensors"),
])
def test_bad_shape_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call(tb.zeros(2, 3, requires_grad=True))


def test_reshape_with_non_integer_sizes_is_a_type_error():
    with pytest.raises(TypeError, match=r"shape entries must be ints, got \(2, 1.5\)"):
        tb.zeros(3).reshape(2, 1.5)
    with pytest.raises(TypeError, match=r"unsqueeze: axis must be an int, got 1.5"):
        tb.zeros(3).unsqueeze(1.5)


@pytest.mark.parametrize("call,match", [
    (lambda x: x.permute(0, 5), r"permute: axis 5 is out of range for a tensor of 2 dimensions"),
    (lambda x: x.permute(0, 0), r"permute: \(0, 0\) is not a permutation of the 2 axes of a "
                                r"tensor of shape \(2, 3\)"),
    (lambda x: x.permute(0, 1, 2), r"permute: \(0, 1, 2\) is not a permutation"),
    (lambda x: x.flatten(3), r"flatten: axis 3 is out of range for a tensor of 2 dimensions"),
    (lambda x: tb.stack([x, x], axis=3), r"stack: axis 3 is out of range for stacking tensors "
                                         r"of 2 dimensions \(expected -3 <= axis < 3\)"),
    (lambda x: x.chunk(0), r"chunk: chunks must be positive, got 0"),
    (lambda x: x.squeeze(2), r"squeeze: axis 2 is out of range"),
])
def test_out_of_range_axes_are_refused_not_wrapped(call, match):
    with pytest.raises(ValueError, match=match):
        call(tb.zeros(2, 3))


def test_joining_integer_and_float_tensors_keeps_the_float_dtype():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    joined = tb.cat([x, tb.tensor([3, 4])])
    assert joined.dtype == np.float32 and joined.tolist() == [1.0, 2.0, 3.0, 4.0]
    stacked = tb.stack([tb.tensor([5, 6]), x])
    assert stacked.dtype == np.float32
    (joined.sum() + stacked.sum()).backward()
    assert x.grad.tolist() == [2.0, 2.0]
