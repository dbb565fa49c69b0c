"""Constructors against PyTorch: shapes, dtypes and values (deterministic ones)."""
import numpy as np
import pytest

import tinygrad_book as tb

torch = pytest.importorskip("torch")

DETERMINISTIC = [
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3)), lambda L: L.ones([4]),
    lambda L: L.ones(2, 0), lambda L: L.full((2, 2), 3), lambda L: L.full((2,), 1.5),
    lambda L: L.full((1,), True), lambda L: L.empty(0, 2), lambda L: L.arange(5),
    lambda L: L.arange(0, 1, 0.1), lambda L: L.arange(1.0, 2.5, 0.5), lambda L: L.arange(-3, 3, 2),
    lambda L: L.linspace(0, 1, 5), lambda L: L.linspace(-1, 1, 1),
    lambda L: L.linspace(0, 1, 4, dtype=L.float64), lambda L: L.logspace(0, 2, 3),
    lambda L: L.logspace(0, 3, 4, base=2.0), lambda L: L.eye(3), lambda L: L.eye(2, 4),
    lambda L: L.zeros_like(L.ones(2, dtype=L.int64)), lambda L: L.ones_like(L.zeros(3)),
    lambda L: L.full_like(L.zeros(2), 7), lambda L: L.empty_like(L.zeros(0, 3)),
    lambda L: L.tensor([[L.tensor(1.0), 2.0]]),
    lambda L: L.tensor([[L.tensor(1.0), L.tensor(2.0)], [3.0, L.tensor(4.0)]]),
    lambda L: L.tensor([L.tensor(1.0, dtype=L.float64), 2.0]),
    lambda L: L.tensor([[L.tensor(1, dtype=L.int32)], [L.tensor(2)]]),
]


@pytest.mark.parametrize("make", DETERMINISTIC)
def test_constructors_match_pytorch(make):
    ours, theirs = make(tb), make(torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    if ours.size and "empty" not in str(make):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


RANDOM = [
    (lambda L: L.rand(2, 3), (2, 3), "float32"), (lambda L: L.randn((4,)), (4,), "float32"),
    (lambda L: L.randint(0, 5, (3, 2)), (3, 2), "int64"), (lambda L: L.randint(4, (5,)), (5,),
                                                              "int64"),
    (lambda L: L.randperm(6), (6,), "int64"), (lambda L: L.normal(0.0, 1.0, (2, 2)), (2, 2),
                                               "float32"),
    (lambda L: L.normal(L.zeros(3), 2.0), (3,), "float32"),
    (lambda L: L.normal(L.zeros(2, 1, dtype=L.float64), L.ones(3)), (2, 3), "float64"),
    (lambda L: L.rand_like(L.zeros(2)), (2,), "float32"),
    (lambda L: L.randn_like(L.zeros(2, dtype=L.float64)), (2,), "float64"),
    (lambda L: L.randint_like(L.zeros(3), 10), (3,), "float32"),
]


@pytest.mark.parametrize("make,shape,dtype", RANDOM)
def test_random_constructors_have_pytorchs_shape_and_dtype(make, shape, dtype):
    ours, theirs = make(tb), make(torch)
    assert ours.shape == tuple(theirs.shape) == shape
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") == dtype


def test_random_values_are_in_range_and_seeded():
    tb.manual_seed(3)
    a = tb.randint(2, 5, (1000,))
    assert a.min().item() >= 2 and a.max().item() <= 4 and set(a.tolist()) == {2, 3, 4}
    assert sorted(tb.randperm(50).tolist()) == list(range(50))
    tb.manual_seed(3)
    assert tb.randint(2, 5, (1000,)).tolist() == a.tolist()
    n = tb.normal(5.0, 2.0, (20000,))
    assert abs(n.mean().item() - 5) < 0.1 and abs(n.std().item() - 2) < 0.1


@pytest.mark.parametrize("call,match", [
    (lambda: tb.randint(5, 5, (2,)), "high"), (lambda: tb.randperm(-1), "non-negative"),
    (lambda: tb.linspace(0, 1, -2), "steps"), (lambda: tb.normal(0.0, -1.0, (2,)), "std"),
    (lambda: tb.normal(0.0, 1.0), "size"), (lambda: tb.logspace(0, 1, 2.5), "steps")])
def test_bad_constructor_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_uniform_and_normal_fill_in_place_and_bump_the_version():
    tb.manual_seed(0)
    t = tb.zeros(4000)
    before = t._version
    assert t.uniform_(-2, 3) is t and t._version == before + 1
    assert t.min().item() >= -2 and t.max().item() < 3 and abs(t.mean().item() - 0.5) < 0.1
    assert t.normal_(4.0, 0.5) is t and t._version == before + 2 and t.dtype == np.float32
    assert abs(t.mean().item() - 4) < 0.05 and abs(t.std().item() - 0.5) < 0.05
    tb.manual_seed(0)
    assert tb.zeros(4000).uniform_(-2, 3).tolist()[:5] == tb.tensor(
        np.random.default_rng(0).uniform(-2, 3, 4000), dtype=tb.float32).tolist()[:5]


def test_in_place_sampling_is_refused_on_a_tensor_that_requires_grad_or_is_integer():
    w = tb.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w.uniform_()
    with tb.no_grad():
        w.normal_()
    with pytest.raises(TypeError, match="floating point"):
        tb.zeros(2, dtype=tb.int64).uniform_()
    with pytest.raises(ValueError, match="std"):
        tb.zeros(2).normal_(0, -1)


def test_a_saved_tensor_changed_by_uniform_is_caught_in_backward():
    w = tb.ones(3, requires_grad=True)
    h = w * 2
    y = (h * h).sum()
    with tb.no_grad():
        h.detach().uniform_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
