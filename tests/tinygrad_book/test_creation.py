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
