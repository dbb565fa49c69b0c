"""After backward without retain_graph a node keeps no per-op arrays at all: saved
tensors and the state a Function keeps on ctx (max-pool's argmax) are released,
so a loss kept in a list costs next to nothing per step."""
import gc
import weakref

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.nn import functional as F


def _node_arrays(root):
    """Every array a node of ``root``'s graph holds (saved values and ctx attributes)."""
    found, seen, stack = [], set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        values = list(node._saved or ()) + list(vars(node).values())
        for v in values:
            for item in (v if isinstance(v, (tuple, list)) else (v,)):
                arr = getattr(item, "array", item)  # a saved output keeps .array
                arr = arr.data if isinstance(arr, tb.Tensor) else arr
                if isinstance(arr, np.ndarray):
                    found.append(arr)
        stack += [edge[0] for edge in node.next if edge is not None and edge[1] is not None]
    return found


def _step(model, x, t):
    loss = F.cross_entropy(model(x), t)
    loss.backward()
    return loss


def _model():
    tb.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 10))


def test_a_kept_loss_holds_no_per_op_arrays_after_backward():
    model = _model()
    x = tb.randn(8, 1, 8, 8)
    t = tb.tensor(np.arange(8) % 10)
    loss = F.cross_entropy(model(x), t)
    before = sum(a.nbytes for a in _node_arrays(loss))
    assert before > 8 * 4 * 8 * 8 * 4  # the graph really held the activations
    loss.backward()
    assert _node_arrays(loss) == []


def test_max_pools_argmax_kept_on_ctx_is_freed_with_the_graph_alive():
    x = tb.randn(2, 3, 8, 8, requires_grad=True)
    y = F.max_pool2d(x, 2)
    state = [v for v in vars(y.grad_fn).values() if isinstance(v, np.ndarray)]
    assert state, "max_pool2d keeps its argmax on ctx"
    refs = [weakref.ref(a) for a in state]
    del state
    y.sum().backward()
    gc.collect()
    assert all(r() is None for r in refs)
    with pytest.raises(RuntimeError, match="a second time"):
        y.sum().backward()


def test_losses_kept_in_a_list_cost_almost_nothing_per_step():
    model = _model()
    x = tb.randn(16, 1, 8, 8)
    t = tb.tensor(np.arange(16) % 10)
    kept = [_step(model, x, t) for _ in range(20)]
    per_step = [sum(a.nbytes for a in _node_arrays(loss)) for loss in kept]
    assert per_step == [0] * 20
    # Shapes and the picture of the graph stay.
    assert kept[-1].grad_fn.name() and kept[-1].grad_fn.output_meta
    assert "MaxPool" in tb.to_dot(kept[-1])


def test_retain_graph_keeps_everything_for_a_second_pass():
    x = tb.randn(2, 3, 8, 8, requires_grad=True)
    y = F.max_pool2d(x, 2).sum()
    y.backward(retain_graph=True)
    assert _node_arrays(y)
    y.backward()
    assert np.allclose(x.grad.data.sum(), 2 * 2 * 3 * 16)
