"""The engine at scale: deep chains, wide fan-out, freed memory, no reference cycles."""
import gc
import time
import weakref

import numpy as np

import tinygrad_book as tb
from tinygrad_book.ops.elementwise import Mul


def _count_backward_calls(n_uses):
    calls = [0]

    class Use(tb.Function):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, g):
            calls[0] += 1
            return g

    x = tb.ones(3, dtype=np.float64, requires_grad=True)
    h = x * 1
    total = Use.apply(h)
    for _ in range(n_uses - 1):
        total = total + Use.apply(h)
    start = time.perf_counter()
    total.sum().backward()
    elapsed = time.perf_counter() - start
    assert x.grad.tolist() == [float(n_uses)] * 3
    return calls[0], elapsed


def test_a_tensor_used_10k_times_backpropagates_in_linear_time():
    calls_5k, time_5k = _count_backward_calls(5_000)
    calls_10k, time_10k = _count_backward_calls(10_000)
    # Each node runs exactly once, so the work is linear in the graph's size...
    assert (calls_5k, calls_10k) == (5_000, 10_000)
    # ...and so is the time (quadratic would be 4x; allow noise on a shared machine).
    assert time_10k < 3.5 * time_5k + 0.05, (time_5k, time_10k)


def test_dropping_the_output_frees_intermediates_without_gc(gc_disabled):
    x = tb.tensor(np.ones(1000), requires_grad=True)
    hidden = x * 2
    out = (hidden.sin() * hidden).sum()
    hidden_ref = weakref.ref(hidden)
    array_ref = weakref.ref(hidden.data)
    node_ref = weakref.ref(out.grad_fn)
    del hidden
    # Its array is saved by sin and mul for backward; the Tensor around it is not
    # kept (the nodes link to it), so a long graph holds one object less per op.
    assert array_ref() is not None and hidden_ref() is None
    del out
    assert hidden_ref() is None and array_ref() is None and node_ref() is None


def test_saved_arrays_are_released_after_backward(gc_disabled):
    x = tb.tensor(np.ones(1000), requires_grad=True)
    hidden = x * 2
    out = (hidden.sin() * hidden).sum()
    array_ref = weakref.ref(hidden.data)
    del hidden
    out.backward()
    assert array_ref() is None  # gone although `out` and its graph are still alive
    assert out.grad_fn is not None


def test_retain_graph_keeps_saved_arrays(gc_disabled):
    x = tb.tensor(np.ones(10), requires_grad=True)
    hidden = x.exp()
    out = (hidden * hidden).sum()
    array_ref = weakref.ref(hidden.data)
    del hidden
    out.backward(retain_graph=True)
    assert array_ref() is not None
    out.backward()
    assert array_ref() is None


def test_saved_outputs_and_hooks_make_no_cycles(gc_disabled):
    x = tb.tensor(np.ones(100), requires_grad=True)
    y = x.exp().tanh().sigmoid()  # each saves its own output
    z = y * 2
    z.retain_grad()
    z.register_hook(lambda g: g)
    node_ref, array_ref = weakref.ref(y.grad_fn), weakref.ref(y.data)
    del y, z
    assert node_ref() is None and array_ref() is None


def test_backward_leaves_no_cycles(gc_disabled):
    x = tb.tensor(np.ones(100), requires_grad=True)
    out = (x.exp() * x).sum()
    out.backward()
    grad_ref = weakref.ref(x.grad)
    node_ref = weakref.ref(out.grad_fn)
    del out
    assert node_ref() is None
    x.grad = None
    assert grad_ref() is None


def test_create_graph_second_order_graph_is_freed(gc_disabled):
    x = tb.tensor(np.ones(10), requires_grad=True)
    (g,) = tb.grad((x.tanh() ** 2).sum(), x, create_graph=True)
    node_ref = weakref.ref(g.grad_fn)
    g.sum().backward()
    del g
    assert node_ref() is None


def test_an_unrecorded_op_keeps_nothing_alive(gc_disabled):
    x = tb.tensor(np.ones(100))
    out = Mul.apply(x.exp(), x)
    assert out.grad_fn is None
    ref = weakref.ref(x)
    del x
    assert ref() is None


def test_a_long_graph_keeps_few_objects_for_the_cyclic_collector():
    # Each object a recorded op leaves for Python's collector is rescanned by the
    # full collections a long graph triggers; two per op (the node and the tuple
    # of its input nodes) keeps a 10,000-op chain's cost per op near a short one's.
    x = tb.tensor(np.ones(16, dtype=np.float32), requires_grad=True)
    w = tb.tensor(np.full(16, 1.01, dtype=np.float32), requires_grad=True)
    gc.collect()
    before = len(gc.get_objects())
    y = x
    for i in range(3000):
        y = y * w if i % 3 == 0 else y + 0.5 if i % 3 == 1 else y.tanh()
    gc.collect()  # untracks the tuples of numbers, as collections do while the graph grows
    per_op = (len(gc.get_objects()) - before) / 3000
    assert per_op <= 2.05, per_op
    y.sum().backward()
    assert w.grad is not None
