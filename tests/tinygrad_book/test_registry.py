"""Ops become Tensor methods by registration; the engine can be observed per thread."""
import threading

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import engine, registry
from tinygrad_book.registry import tensor_method


def test_every_op_kind_registered_its_methods_on_the_class():
    t = tb.tensor([[1.0, -2.0]], requires_grad=True)
    for name in ("__add__", "__radd__", "tanh", "sum", "reshape", "__getitem__", "chunk",
                 "__eq__", "astype", "matmul", "add_", "__iadd__"):
        assert callable(getattr(t, name)), name
    assert registry.Tensor is tb.Tensor


def test_a_method_registered_after_the_class_is_built_is_attached_at_once(cube):
    @tensor_method("_test_cube")
    def cube_method(self):
        return cube.apply(self)

    try:
        x = tb.tensor([2.0], dtype=np.float64, requires_grad=True)
        x._test_cube().sum().backward()
        assert x.grad.tolist() == [12.0]
        assert tb.gradgradcheck(lambda a: a._test_cube(), [x])
    finally:
        del tb.Tensor._test_cube, registry._methods["_test_cube"]


def test_a_name_registered_twice_is_refused():
    with pytest.raises(RuntimeError, match=r"Tensor.tanh is registered twice"):
        tensor_method("tanh")(lambda self: self)
    assert tb.tensor([0.0]).tanh().tolist() == [0.0]  # the first registration stands


def test_constant_is_an_untracked_tensor_around_the_array():
    arr = np.ones(3, np.float32)
    c = registry.constant(arr)
    assert c.data is arr and not c.requires_grad and c.grad_fn is None and c.is_leaf


def test_observe_sees_each_node_once_in_the_engines_order():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    y = ((x * 3).tanh() + 1).sum()
    seen = []
    with engine.observe(lambda node, g_out, g_in: seen.append(
            (node.name(), [g.shape for g in g_out], [None if g is None else g.shape
                                                     for g in g_in]))):
        y.backward()
    assert [s[0] for s in seen] == ["SumBackward", "AddBackward", "TanhBackward", "MulBackward"]
    assert seen[0][1] == [()] and seen[-1][2] == [(2,), None]
    seen.clear()
    (x * 2).sum().backward()  # outside the block: nothing is observed
    assert seen == []


def test_observe_is_per_thread_and_nests():
    outer, inner, other = [], [], []
    ready, done = threading.Event(), threading.Event()

    def worker():
        ready.wait()
        x = tb.tensor([1.0], requires_grad=True)
        (x * 2).sum().backward()  # runs while the main thread observes
        other.append(x.grad.item())
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    x = tb.tensor([1.0], requires_grad=True)
    with engine.observe(lambda n, go, gi: outer.append(n.name())):
        ready.set()
        done.wait(10)
        with engine.observe(lambda n, go, gi: inner.append(n.name())):
            (x * 2).sum().backward()
        x.exp().sum().backward()
    thread.join()
    assert inner == ["SumBackward", "MulBackward"]
    assert outer == ["SumBackward", "ExpBackward"] and other == [2.0]
    with pytest.raises(TypeError, match="callback must be callable"):
        engine.observe(3)
