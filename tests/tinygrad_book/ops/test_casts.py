"""Casts, dtype names and new_* constructors against PyTorch; float16 through ops."""
import numpy as np
import pytest

import tinygrad_book as tb

torch = pytest.importorskip("torch")

CASTS = ["float", "double", "half", "int", "long", "short", "char", "byte", "bool"]


@pytest.mark.parametrize("name", CASTS)
def test_cast_methods_match_pytorch(name):
    values = [[1.7, -2.2, 0.0], [3.0, 0.5, -0.0]]
    ours = getattr(tb.tensor(values), name)()
    theirs = getattr(torch.tensor(values), name)()
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    expected = theirs.numpy() if name != "byte" else np.array(values).astype(np.uint8)
    np.testing.assert_array_equal(ours.numpy(), expected)


def test_float_casts_are_differentiable_and_integer_casts_leave_the_graph():
    x = tb.tensor([1.5, -2.0], requires_grad=True)
    y = x.half().double().type(tb.float32) * 3
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 3.0]
    assert not x.int().requires_grad and x.long().dtype == np.int64
    assert x.to(tb.float64).dtype == np.float64 and x.double().grad_fn is not None


def test_type_names_and_type_as():
    x = tb.tensor([1.0, 2.0])
    assert x.type() == "tinygrad_book.FloatTensor"
    assert x.type("torch.DoubleTensor").dtype == np.float64
    assert x.type(tb.int64).dtype == np.int64
    assert tb.tensor([1, 2]).type_as(x).dtype == np.float32
    with pytest.raises(TypeError, match="not a dtype"):
        x.type(object())


def test_dtype_names_follow_pytorch():
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "half", "float", "double", "short", "int", "long", "bool"):
        assert np.dtype(getattr(tb, name)).name == str(getattr(torch, name)).replace(
            "torch.", ""), name


def test_contiguous_and_clone():
    x = tb.arange(6.0).reshape(2, 3)
    assert x.contiguous() is x
    t = x.T
    c = t.contiguous()
    assert c.data.flags.c_contiguous and c.tolist() == t.tolist()
    w = tb.tensor([[1.0, 2.0]], requires_grad=True)
    w.T.contiguous().sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("make", [
    lambda L, x: x.new_zeros(2, 3), lambda L, x: x.new_ones((2,)),
    lambda L, x: x.new_full((2, 2), 7), lambda L, x: x.new_empty(0, 3),
    lambda L, x: x.new_tensor([1, 2]), lambda L, x: x.new_zeros(2, dtype=L.int64),
    lambda L, x: x.new_ones(3, requires_grad=True)])
def test_new_constructors_match_pytorch(make):
    ours = make(tb, tb.tensor([1.0], dtype=tb.float16))
    theirs = make(torch, torch.tensor([1.0], dtype=torch.float16))
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.requires_grad == theirs.requires_grad
    if ours.size and "empty" not in str(make):
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("expr", [
    lambda L, x: x * 2 + 1, lambda L, x: x.exp(), lambda L, x: x.tanh(),
    lambda L, x: x.abs().sqrt(), lambda L, x: x.erf(), lambda L, x: L.atan2(x, x + 1),
    lambda L, x: x.cumsum(0), lambda L, x: x.sort().values, lambda L, x: x.floor()])
def test_float16_stays_float16_through_elementwise_ops(expr):
    values = np.linspace(-2, 2, 7)
    ours = expr(tb, tb.tensor(values, dtype=tb.float16))
    theirs = expr(torch, torch.tensor(values, dtype=torch.float16))
    assert ours.dtype == np.float16
    np.testing.assert_allclose(ours.numpy().astype(np.float64),
                               theirs.numpy().astype(np.float64), rtol=2e-3, atol=2e-3)
