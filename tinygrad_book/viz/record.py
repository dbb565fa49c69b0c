"""Record a backward pass as the engine runs it: which node, in which order, and what flowed.

The explorer (``explorer.py``) replays this record step by step on its page.
The pass goes through the real engine (``retain_graph=True``, gradients
returned rather than accumulated), watched by the engine's observer hook, so
the order shown is the order the engine really uses. Nothing a user can see
changes: no leaf's ``.grad`` is written, the ``.grad`` of tensors kept with
``retain_grad()`` is left as it was, and tensor hooks are not called unless
asked for (a hook may log, count or store what it sees).
"""
import numpy as np

from .. import engine
from ..registry import constant
from ..tensor import Tensor
from .graph import ops_breadth_first


class Step:
    """One node the engine processed.

    ``node`` is its Context; ``grads_out`` the gradients of its outputs (one
    array per output, what flowed into the node); ``grads_in`` what it passed
    back along each edge of ``node.next`` (an array reduced to that input's
    shape, or ``None``).
    """

    __slots__ = ("node", "grads_out", "grads_in")

    def __init__(self, node, grads_out, grads_in):
        self.node = node
        self.grads_out = grads_out
        self.grads_in = grads_in


class Recording:
    """The steps in the engine's order, the root gradients and each leaf's final gradient.

    ``root_grads`` pairs each output with the gradient backward started from;
    ``leaf_grads`` maps ``id(leaf)`` to ``(leaf, final gradient array)`` — the
    same value ``tinygrad_book.grad(outputs, [leaf])`` returns.
    """

    def __init__(self, steps, root_grads, leaf_grads):
        self.steps = steps
        self.root_grads = root_grads
        self.leaf_grads = leaf_grads


def record_backward(outputs, grad_outputs=None, run_hooks=False):
    """Run backward from ``outputs`` through the engine and return a :class:`Recording`.

    ``grad_outputs`` (one per output) is needed for outputs with more than one
    element, as in ``tinygrad_book.grad``. With ``run_hooks`` the tensors'
    hooks run (and may change the gradients shown); otherwise they are not called.
    Raises RuntimeError when an earlier ``backward()`` freed the graph's saved tensors.
    """
    nodes = ops_breadth_first(outputs)
    _check_not_freed(nodes)
    roots = [t for t in outputs if t.requires_grad]
    root_grads = _root_grads(outputs, grad_outputs)
    leaves = _leaves(nodes, roots)
    steps = []

    def watch(node, grads_out, grads_in):
        steps.append(_step(node, grads_out, grads_in))

    with _quiet(nodes, leaves, run_hooks), engine.observe(watch):
        if roots:
            finals = engine.run_backward(roots, [root_grads[id(t)][1] for t in roots],
                                         retain_graph=True, inputs=leaves, allow_unused=True)
        else:
            finals = ()
    leaf_grads = {id(leaf): (leaf, None if g is None else np.asarray(g.data))
                  for leaf, g in zip(leaves, finals, strict=False)}  # finals may be ()
    return Recording(steps, [(t, root_grads[id(t)][1].data) for t in roots], leaf_grads)


def _check_not_freed(nodes):
    for node in nodes:
        # release() sets this to None, whether or not the op saved anything.
        if node._saved is None:
            raise RuntimeError(
                f"explore: the graph's saved tensors were already freed (by backward() "
                f"through {node.name()}), so its backward pass cannot be replayed. Call "
                "loss.backward(retain_graph=True) the first time, or build the graph again "
                "(run the forward pass once more) before explore().")


def _root_grads(outputs, grad_outputs):
    """``id(output) -> (output, gradient Tensor)``: ones for a one-element output."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"explore: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} outputs")
    if not any(t.requires_grad for t in outputs):
        raise RuntimeError("explore: no output requires grad, so no graph was recorded and "
                           "there is no backward pass to watch (did the forward pass run "
                           "under no_grad, or on tensors without requires_grad=True?)")
    result = {}
    for i, (t, g) in enumerate(zip(outputs, grad_outputs, strict=True)):
        if not t.requires_grad:
            continue
        if g is None:
            if t.size != 1:
                raise ValueError(
                    f"explore: output {i} has shape {t.shape}; backward starts from a "
                    "one-element output, so pass grad_outputs=[...] (one gradient per output)")
            g = np.ones(t.shape, dtype=t.dtype)
        arr = np.asarray(g.data if isinstance(g, Tensor) else g, dtype=t.dtype)
        if arr.shape != t.shape:
            raise ValueError(f"explore: grad_outputs[{i}] has shape {arr.shape}, expected "
                             f"the output's shape {t.shape}")
        result[id(t)] = (t, constant(arr))
    return result


def _leaves(nodes, roots):
    """Every leaf that requires grad and feeds the graph, each once, in first-seen order."""
    leaves = {id(t): t for t in roots if t.grad_fn is None}
    for node in nodes:
        for edge in node.next:
            if edge is not None and edge[1] is None:
                leaves.setdefault(id(edge[0]), edge[0])
    return list(leaves.values())


def _step(node, grads_out, grads_in):
    outs = tuple(None if g is None else np.asarray(g.data) for g in grads_out or ())
    ins: list[np.ndarray | None] = []
    for edge, g in zip(node.next, grads_in or (), strict=False):  # none yet: no inputs
        if edge is None or g is None:
            ins.append(None)
            continue
        target, nr = edge
        shape, dtype = ((target.data.shape, target.data.dtype) if nr is None
                        else target.output_meta[nr])
        ins.append(unbroadcast(np.asarray(getattr(g, "data", g)), shape).astype(dtype, copy=False))
    ins += [None] * (len(node.next) - len(ins))
    return Step(node, outs, tuple(ins))


def unbroadcast(arr, shape):
    """Sum ``arr`` down to ``shape``, as the engine does with a broadcast gradient."""
    if arr.shape == tuple(shape):
        return arr
    lead = arr.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and arr.shape[lead + i] != 1)
    return arr.sum(axis=axes).reshape(shape)


class _quiet:
    """Suspend ``retain_grad`` writes and (unless ``run_hooks``) hooks, then restore them."""

    def __init__(self, nodes, leaves, run_hooks):
        self.nodes, self.leaves, self.run_hooks = nodes, leaves, run_hooks

    def __enter__(self):
        self.saved_nodes = [(n, n._retained, n._output_hooks) for n in self.nodes
                            if n._retained or n._output_hooks]
        self.saved_leaves = [(t, t._hooks) for t in self.leaves if t._hooks]
        for node, _, _ in self.saved_nodes:
            node._retained = None
            if not self.run_hooks:
                node._output_hooks = None
        if not self.run_hooks:
            for leaf, _ in self.saved_leaves:
                leaf._hooks = None
        return self

    def __exit__(self, *exc):
        for node, retained, hooks in self.saved_nodes:
            node._retained, node._output_hooks = retained, hooks
        for leaf, hooks in self.saved_leaves:
            leaf._hooks = hooks
        return False
