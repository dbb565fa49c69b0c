"""Issue 14's defects and issue 12's keyword items, one test each (with PyTorch where
it has the behaviour)."""
import numpy as np
import pytest

import tinygrad_book as tb

torch = pytest.importorskip("torch")


def test_any_and_all_return_bool_tensors_with_dim_and_keepdim():
    x = tb.tensor([[0, 1, 2], [0, 0, 3]])
    r = torch.tensor(x.numpy())
    for ours, theirs in [(x.any(), r.any()), (x.all(), r.all()),
                         (x.any(dim=1), r.any(dim=1)), (x.all(axis=0), r.all(dim=0)),
                         (x.any(1, keepdim=True), r.any(1, keepdim=True)),
                         (x.all(dim=0, keepdims=True), r.all(dim=0, keepdim=True)),
                         (tb.any(x), torch.any(r))]:
        assert isinstance(ours, tb.Tensor) and ours.dtype == np.bool_
        assert ours.tolist() == theirs.tolist() and ours.shape == tuple(theirs.shape)
    assert x.any().ndim == 0 and bool(x.any()) and not bool(x.all())


@pytest.mark.parametrize("index", [
    lambda L: (0, slice(None), L.tensor([0, 2])),
    lambda L: (0, None, slice(None), L.tensor([0, 2])),
    lambda L: (0, Ellipsis, L.tensor([3, 1])),
    lambda L: (L.tensor(1), slice(None), L.tensor([0, 2])),
    lambda L: (slice(None), 1, slice(None), L.tensor([[0], [4]])),
    lambda L: (L.tensor([0, 1]), 0, slice(None), L.tensor([1, 2])),
    lambda L: (0, L.tensor([0, 2]), 1, L.tensor([1, 2])),
    lambda L: (1, slice(None), slice(1, 3), L.tensor([True, False, True, False, True])),
    lambda L: (L.tensor([1, 0]), slice(None), 2),
])
def test_int_and_index_array_apart_follow_pytorchs_rule(index):
    """PyTorch applies integers first (a select), NumPy counts them as index arrays:
    for (2, 3, 4), a[0, :, idx] is (3, 2) in PyTorch and (2, 3) in NumPy."""
    data = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    x = tb.tensor(data, requires_grad=True)
    r = torch.tensor(data, requires_grad=True)
    out, ref = x[index(tb)], r[index(torch)]
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    w = np.random.default_rng(0).uniform(size=out.shape)
    (out * tb.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), r.grad.numpy())


def test_the_issues_example_and_assignment_with_the_same_rule():
    a = tb.arange(24).reshape(2, 3, 4)
    idx = tb.tensor([0, 2])
    assert a[0, :, idx].shape == (3, 2)
    assert a[0, :, idx].tolist() == [[0, 2], [4, 6], [8, 10]]
    b, t = tb.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    b[0, :, idx] = tb.arange(6.0).reshape(3, 2)
    t[0, :, torch.tensor([0, 2])] = torch.arange(6.0).reshape(3, 2)
    assert b.tolist() == t.tolist()


@pytest.mark.parametrize("call", [
    lambda x: x.sum(dim=3), lambda x: x.mean(axis=-4), lambda x: x.max(dim=5),
    lambda x: x.softmax(3) if hasattr(x, "softmax") else x.sum(3),
    lambda x: x.cumsum(3), lambda x: x.sort(dim=-4), lambda x: x.gather(3, tb.zeros(
        (1, 1, 1), dtype=tb.int64)), lambda x: x.flip(3), lambda x: x.squeeze(3),
    lambda x: x.transpose(0, 3), lambda x: x.unsqueeze(5), lambda x: tb.cat([x, x], dim=3),
    lambda x: tb.stack([x, x], dim=5), lambda x: x.prod(dim=-4), lambda x: x.any(dim=3),
    lambda x: x.argmax(dim=3), lambda x: x.var(dim=3), lambda x: x.logsumexp(3),
    lambda x: x.movedim(3, 0), lambda x: x.diagonal(0, 0, 3), lambda x: x.flatten(0, 3)])
def test_dimension_out_of_range_is_index_and_value_error(call):
    x = tb.ones(2, 3, 4)
    with pytest.raises(IndexError) as info:
        call(x)
    assert isinstance(info.value, ValueError) and isinstance(info.value, tb.DimensionError)
    assert "out of range" in str(info.value)


@pytest.mark.parametrize("call", [lambda a, b: a + b, lambda a, b: tb.cat([a, b], dim=1),
                                  lambda a, b: a @ b, lambda a, b: tb.atan2(a, b)])
def test_mismatched_shapes_stay_value_error_naming_both(call):
    a, b = tb.ones(2, 3), tb.ones(4, 5)
    with pytest.raises(ValueError) as info:
        call(a, b)
    assert not isinstance(info.value, IndexError)
    assert "(2, 3)" in str(info.value) and "(4, 5)" in str(info.value)


@pytest.mark.reliability
@pytest.mark.parametrize("op", ["max", "min", "amax", "amin", "logsumexp", "sum", "mean",
                                "prod"])
def test_reducing_a_nonempty_dim_of_an_empty_tensor_gives_empty(op):
    """x.max(dim=1) on shape (0, 3) is shape (0,), as PyTorch (issue 12)."""
    x = tb.zeros(0, 3, requires_grad=True)
    out = getattr(x, op)(dim=1)
    assert out.shape == (0,)
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    with pytest.raises((ValueError, IndexError, RuntimeError), match="empty|zero|size"):
        tb.zeros(3, 0).max(dim=1)


REDUCTIONS = ["sum", "mean", "max", "min", "amax", "amin", "prod", "var", "std", "logsumexp",
              "argmax", "argmin", "any", "all", "nansum", "nanmean", "norm"]


@pytest.mark.reliability
@pytest.mark.parametrize("op", REDUCTIONS)
def test_every_reduction_takes_dim_or_axis_and_keepdim_or_keepdims(op):
    x = tb.tensor(np.arange(1.0, 25.0).reshape(2, 3, 4))
    ref = getattr(torch.tensor(x.numpy()), op)(dim=1, keepdim=True)
    ref = ref[0] if isinstance(ref, tuple) else ref
    for kwargs in ({"dim": 1, "keepdim": True}, {"axis": 1, "keepdims": True},
                   {"dim": 1, "keepdims": True}, {"axis": 1, "keepdim": True}):
        out = getattr(x, op)(**kwargs)
        assert out.shape == tuple(ref.shape) == (2, 1, 4), (op, kwargs)
        np.testing.assert_allclose(out.numpy().astype(np.float64),
                                   ref.numpy().astype(np.float64), rtol=1e-6)


@pytest.mark.reliability
@pytest.mark.parametrize("call", [
    lambda L, x: x.squeeze(dim=1), lambda L, x: x.unsqueeze(dim=0),
    lambda L, x: L.cat([x, x], dim=2), lambda L, x: L.stack([x, x], dim=1),
    lambda L, x: x.split(1, dim=0)[0], lambda L, x: x.chunk(2, dim=2)[1],
    lambda L, x: x.cumsum(dim=2), lambda L, x: x.softmax(dim=2) if L is torch else
    x.exp() / x.exp().sum(dim=2, keepdim=True), lambda L, x: x.flatten(start_dim=1)])
def test_shape_ops_take_dim(call):
    data = np.arange(8.0).reshape(2, 1, 4)
    ours, theirs = call(tb, tb.tensor(data)), call(torch, torch.tensor(data))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_sum_and_mean_take_dtype(dtype):
    x = tb.tensor([[1, 2], [3, 4]], dtype=tb.int32)
    r = torch.tensor(x.numpy())
    tdtype = getattr(torch, dtype)
    assert str(x.sum(dtype=getattr(tb, dtype)).dtype) == dtype == str(
        r.sum(dtype=tdtype).dtype).replace("torch.", "")
    if dtype != "int64":
        out = x.mean(dim=0, dtype=getattr(tb, dtype))
        assert str(out.dtype) == dtype and out.tolist() == r.mean(dim=0, dtype=tdtype).tolist()


def test_float16_reductions_accumulate_in_float32():
    x = np.full(4096, 0.1, dtype=np.float16)
    ours, theirs = tb.tensor(x), torch.tensor(x)
    for op in ("sum", "mean"):
        a, b = getattr(ours, op)(), getattr(theirs, op)()
        assert a.dtype == np.float16
        assert abs(float(a.item()) - float(b.item())) <= 1e-3 * abs(float(b.item()))
