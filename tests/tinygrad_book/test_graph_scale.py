"""Deep and wide graphs under a recursion limit lowered to a few frames above the test:
recording, backward, create_graph and freeing a 100,000-op graph never recurse.

(tests/tinygrad_book/test_memory_and_scale.py times the same sizes at the default limit; this file
proves the stack stays flat.)"""
import contextlib
import sys

import numpy as np
import pytest

import tinygrad_book as tb

pytestmark = pytest.mark.reliability

HEADROOM = 150  # frames for the ops' own (flat) call chains, far below a graph's depth


@contextlib.contextmanager
def shallow_stack():
    """Allow only HEADROOM frames on top of the caller's: recursion over nodes would fail."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + HEADROOM)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_backward_through_100k_chained_ops_with_a_shallow_stack():
    x = tb.tensor([0.5, -0.25], dtype=np.float64, requires_grad=True)
    with shallow_stack():
        y = x
        for _ in range(50_000):  # two ops per round: 100,000 nodes in one chain
            y = y * 1.0001 + 0.5
        assert _chain_length(y.grad_fn) == 100_000
        y.sum().backward()
        del y  # freeing the chain, node by node, must not recurse either
    np.testing.assert_allclose(x.grad.data, [1.0001 ** 50_000] * 2, rtol=1e-9)


def test_create_graph_through_a_deep_chain_with_a_shallow_stack():
    x = tb.tensor([0.3], dtype=np.float64, requires_grad=True)
    with shallow_stack():
        y = x
        for _ in range(5_000):
            y = (y * 0.999).sin()
        (g,) = tb.grad(y.sum(), x, create_graph=True)  # a second 10,000-node graph
        g.sum().backward()
    assert np.isfinite(x.grad.data).all() and g.grad_fn is not None


def test_a_tensor_used_10k_times_with_a_shallow_stack():
    x = tb.tensor(np.arange(4.0), requires_grad=True)
    h = x * 2
    with shallow_stack():
        parts = [h[i % 4] * (i % 3) for i in range(10_000)]  # 10,000 reads of one tensor
        total = tb.stack(parts).sum()
        total.backward()
    # d total / d x_j = 2 * Σ_{i ≡ j mod 4} (i mod 3)
    weights = np.zeros(4)
    for i in range(10_000):
        weights[i % 4] += i % 3
    np.testing.assert_array_equal(x.grad.data, 2 * weights)


def _chain_length(node):
    n = 0
    while node is not None:
        n += 1
        edges = [e for e in node.next if e is not None and e[1] is not None]
        node = edges[0][0] if edges else None
    return n
