"""Reverse-mode autodiff: walk the recorded graph from the outputs to the leaves.

The walk is iterative (Kahn's algorithm over dependency counts), so a chain
of 100,000 ops needs no recursion, and each node runs once, after every
consumer of its outputs has handed it a gradient — so a tensor used 10,000
times costs 10,000 additions, not a quadratic re-walk.

A backward pass has three steps, each a function below:

    seed       the roots' gradients, and how many edges point into each node
    propagate  each node's backward, outputs before inputs, summing what reaches a node
    finish     the leaves' gradients into ``.grad`` (or returned, for ``grad()``)

Gradients flow as Tensors when ``create_graph=True`` (each Function's
``backward``, written with Tensor ops, is then recorded), and as plain arrays
otherwise: a Function's ``array_backward`` (the same formula on arrays) runs
if it has one, else its ``backward`` on Tensors wrapped around the arrays.
Nothing records in that case, so a Tensor per gradient would only cost time.
"""
from typing import Any

import numpy as np

from . import registry
from .anomaly import _State as _anomaly_state
from .anomaly import check_gradients
from .grad_mode import set_grad_enabled
from .leaf_grads import accumulate_into_leaf, add_leaf_grad, held_only_here
from .observer import notify, observe, observers  # noqa: F401  (engine.observe)


def run_backward(roots, root_grads, retain_graph=False, create_graph=False,
                 inputs=None, allow_unused=False):
    """Backpropagate ``root_grads`` (Tensors) from ``roots`` (Tensors).

    With ``inputs=None`` the gradients are accumulated into the ``.grad`` of
    the leaves (``Tensor.backward``); otherwise nothing is accumulated and the
    gradients of ``inputs`` are returned in order (``tinygrad_book.grad``).
    """
    state = _seed(roots, root_grads, inputs, arrays=not create_graph)
    with set_grad_enabled(create_graph):
        _propagate(state, retain_graph, create_graph)
        return _finish(state, inputs, allow_unused, create_graph)


class _Pass:
    """The bookkeeping of one backward pass."""

    __slots__ = ("arrays", "kind", "node_grads", "leaf_grads", "deps", "ready", "capture",
                 "captured")
    deps: dict[Any, int]    # set by _seed: node -> edges into it still to run
    ready: list[Any]        # set by _seed: nodes whose gradients are all in

    def __init__(self, arrays):
        self.arrays = arrays    # gradients are arrays (create_graph=False), else Tensors
        self.kind = np.ndarray if arrays else registry.Tensor
        self.node_grads = {}    # Context -> list of gradients, one per output
        self.leaf_grads = {}    # id(leaf) -> [leaf, gradient, whether we own its array]
        self.capture = None     # (node, output_nr) -> positions in grad()'s inputs
        self.captured = []      # grad()'s results so far


def _seed(roots, root_grads, inputs, arrays):
    """The roots' gradients, the dependency count of every reachable node, and the
    nodes ready to run (those no other reachable node feeds)."""
    state = _Pass(arrays)
    node_grads = state.node_grads
    root_nodes = []
    for t, g in zip(roots, root_grads, strict=True):
        if arrays:
            g = g.data
        if t.grad_fn is None:
            add_leaf_grad(state.leaf_grads, t, g)
            continue
        node = t.grad_fn
        if node not in node_grads:
            node_grads[node] = [None] * len(node.output_meta)
            root_nodes.append(node)
        buf = node_grads[node]
        nr = t._output_nr
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    if inputs is not None:
        # Non-leaf inputs: their gradient is whatever reaches (node, output_nr).
        state.capture = {}
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                state.capture.setdefault((t.grad_fn, t._output_nr), []).append(i)
        state.captured = [None] * len(inputs)
    state.deps = _count_dependencies(root_nodes)
    state.ready = [n for n in root_nodes if n not in state.deps]
    return state


def _propagate(state, retain_graph, create_graph):
    """Run each node's backward once all its consumers have handed it their gradients."""
    if state.arrays and not state.capture and observers.current is None \
            and not _anomaly_state.enabled:
        _propagate_arrays(state, retain_graph)
        return
    ready, deps, node_grads = state.ready, state.deps, state.node_grads
    observer = observers.current
    while ready:
        node = ready.pop()
        out_grads = node_grads.pop(node, None)
        if out_grads is None:
            grads_in = ()  # reachable, but no gradient flowed into it
            _skip_edges(node, deps, ready)
        else:
            grads_in = _node_backward(node, out_grads, state, create_graph)
            _send(node, grads_in, state)
        if observer is not None:
            notify(observer, node, out_grads, grads_in, state.arrays)
        if not retain_graph:
            node.release()


def _propagate_arrays(state, retain_graph):
    """``_propagate`` for the common pass: gradients as arrays, with no observer, no
    ``grad()`` capture and no anomaly checks. A node with one output, an
    ``array_backward`` and no hooks runs it here directly, and is released here:
    this runs once per node, where calls cost more than the lines they hold."""
    ready, deps, node_grads = state.ready, state.deps, state.node_grads
    while ready:
        node = ready.pop()
        out_grads = node_grads.pop(node, None)
        backward = node.fn.array_backward
        if out_grads is None:
            _skip_edges(node, deps, ready)
        elif backward is None or len(out_grads) != 1 or node._output_hooks or node._retained:
            _send(node, _node_backward(node, out_grads, state, False), state)
        else:
            grads_in = backward(node, out_grads[0])  # (one output, so never a missing one)
            if grads_in.__class__ is not tuple:
                grads_in = (grads_in,)
            if len(grads_in) != len(node.inputs):
                _wrong_count(node, grads_in)
            _send(node, grads_in, state)
        if not retain_graph:
            node._saved = None  # (release() without the call, for most nodes)
            node._saved_links = ()
            if node.__dict__:
                node.release()


def _node_backward(node, out_grads, state, create_graph):
    """``node``'s gradients for its inputs, from its outputs' ``out_grads``."""
    if node._output_hooks or node._retained or state.capture:
        _with_tensors(_before_node, out_grads, state.arrays, node, state.capture,
                      state.captured, create_graph)
    for g in out_grads:
        if g is None:  # an output nobody used: its gradient is zero
            _fill_missing(node, out_grads, state.arrays)
            break
    fn = node.fn
    if not state.arrays:
        grads_in = fn.backward(node, *out_grads)
    elif fn.array_backward is not None:
        grads_in = fn.array_backward(node, *out_grads)
    else:
        grads_in = _backward_on_arrays(node, out_grads)
    if grads_in.__class__ is not tuple:
        grads_in = (grads_in,)
    if len(grads_in) != len(node.inputs):
        _wrong_count(node, grads_in)
    if _anomaly_state.enabled:
        check_gradients(node, grads_in)
    return grads_in


def _send(node, grads_in, state):
    """Hand each input's gradient to its node (or leaf), reduced to the input's shape,
    and count the edge down; a node whose count reaches 0 is ready."""
    deps, ready, node_grads, kind = state.deps, state.ready, state.node_grads, state.kind
    inputs, nrs = node.inputs, node.input_nrs
    k = -1
    # (An index rather than zip(): zip costs more than the loop's body on the
    # one or two inputs of a node, and this runs once per node.)
    for g in grads_in:
        k += 1
        target = inputs[k]
        if target is None:
            continue
        nr = nrs[k]
        if g is not None:
            if g.__class__ is not kind:
                g = _as_gradient(g, state.arrays)
            if nr is None:
                data = target.data
                if g.shape != data.shape or (g.dtype is not data.dtype and g.dtype != data.dtype):
                    g = _reduce_to(g, data.shape, data.dtype, node)
                add_leaf_grad(state.leaf_grads, target, g)
                continue
            meta = target.output_meta
            shape, dtype = meta[nr]
            if g.shape != shape or (g.dtype is not dtype and g.dtype != dtype):
                g = _reduce_to(g, shape, dtype, node)
            buf = node_grads.get(target)
            if buf is None:
                if len(meta) == 1:
                    node_grads[target] = [g]
                else:
                    node_grads[target] = buf = [None] * len(meta)
                    buf[nr] = g
            else:
                buf[nr] = g if buf[nr] is None else buf[nr] + g
        elif nr is None:
            continue
        # Every edge into a node is counted, whether or not it carried a gradient.
        left = deps[target] - 1
        if left:
            deps[target] = left
        else:
            ready.append(target)


def _finish(state, inputs, allow_unused, create_graph):
    """Leaf hooks, then ``.grad += g`` for every leaf (``backward``), or the
    gradients of ``inputs`` in order (``grad``)."""
    captured = state.captured
    for entry in state.leaf_grads.values():
        leaf, g, owned = entry
        entry[1] = None  # (so that the pass's own bookkeeping does not count as a holder)
        if leaf._hooks:
            box = [g]
            _with_tensors(_leaf_hooks, box, state.arrays, leaf)
            if box[0] is not g:  # a hook replaced it: not ours to keep
                g, owned = box[0], False
        if inputs is None:
            if not owned and not create_graph:
                owned = held_only_here(g)
            accumulate_into_leaf(leaf, g, owned, create_graph)
        else:
            for i, t in enumerate(inputs):
                if t is leaf:
                    captured[i] = g
    if inputs is None:
        return None
    for i, g in enumerate(captured):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {inputs[i].shape}) was not used in computing the "
                "outputs; pass allow_unused=True to get None for it")
        if g is not None and not create_graph:
            captured[i] = registry.constant(g.data if isinstance(g, registry.Tensor) else g)
    return tuple(captured)


def _leaf_hooks(grads, leaf):
    """Run ``leaf``'s hooks on its gradient ``grads[0]``; return the final one."""
    g = grads[0]
    for hook in list(leaf._hooks):
        replaced = hook(g)
        if replaced is not None:
            g = _hook_result(hook, replaced, g)
    grads[0] = g


def _with_tensors(step, grads, arrays, *args):
    """``step(grads, *args)`` for code that needs Tensor gradients (hooks, retain_grad,
    grad()'s capture): in array mode ``grads`` are wrapped first and unwrapped after."""
    if not arrays:
        step(grads, *args)
        return
    wrapped = [None if g is None else registry.constant(g) for g in grads]
    step(wrapped, *args)
    grads[:] = [None if g is None else g.data for g in wrapped]


def _backward_on_arrays(node, out_grads):
    """A Function without ``array_backward``: its Tensor ``backward`` on wrapped arrays."""
    Tensor = registry.Tensor
    grads_in = node.fn.backward(node, *[registry.constant(g) for g in out_grads])
    if grads_in.__class__ is not tuple:
        grads_in = (grads_in,)
    return tuple([g.data if isinstance(g, Tensor) else g for g in grads_in])


def _as_gradient(g, arrays):
    """A gradient a backward returned (a Tensor, an array or a number) in the pass's kind."""
    if isinstance(g, registry.Tensor):
        return g.data if arrays else g
    return np.asarray(g) if arrays else registry.constant(np.asarray(g))


def _skip_edges(node, deps, ready):
    inputs = node.inputs
    for k, nr in enumerate(node.input_nrs):
        if nr is not None:
            target = inputs[k]
            left = deps[target] - 1
            if left:
                deps[target] = left
            else:
                ready.append(target)


def _count_dependencies(root_nodes):
    """For each node, how many recorded edges point into it from the reachable graph."""
    deps: dict[Any, int] = {}
    roots = set(root_nodes)  # (other nodes are seen once they have a count)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        inputs, k = node.inputs, -1
        for nr in node.input_nrs:  # (an index, as in _send)
            k += 1
            if nr is None:  # a leaf or no input
                continue
            target = inputs[k]
            count = deps.get(target)
            if count is not None:
                deps[target] = count + 1
            else:
                deps[target] = 1
                if target not in roots:
                    stack.append(target)
    return deps


def _before_node(out_grads, node, capture, captured, create_graph):
    """Tensor hooks, ``retain_grad`` and ``grad(inputs=...)`` for this node's outputs."""
    _fill_missing(node, out_grads)
    if node._output_hooks:
        for nr, hooks in node._output_hooks.items():
            for hook in list(hooks):
                replaced = hook(out_grads[nr])
                if replaced is not None:
                    out_grads[nr] = _hook_result(hook, replaced, out_grads[nr])
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is None:
                continue
            g = out_grads[nr]
            if t.grad is None:
                # Its own memory, like a leaf's .grad (see _accumulate_into_leaf).
                t.grad = g.clone() if create_graph else registry.constant(g.data.copy())
            else:
                t.grad = t.grad + g
    if capture:
        for nr in range(len(out_grads)):
            for i in capture.get((node, nr), ()):
                captured[i] = out_grads[nr]


def _hook_result(hook, replaced, grad):
    """A hook's replacement gradient, checked: it must be a Tensor of the same shape."""
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(replaced, registry.Tensor):
        raise TypeError(f"hook {name} returned {type(replaced).__name__}; a hook must return "
                        "None or a Tensor (the new gradient)")
    if replaced.shape != grad.shape:
        raise RuntimeError(f"hook {name} returned a gradient of shape {replaced.shape} for a "
                           f"gradient of shape {grad.shape}; the shape must not change")
    if replaced.dtype != grad.dtype:
        replaced = replaced.astype(grad.dtype)
    return replaced


def _fill_missing(node, out_grads, arrays=False):
    for nr, g in enumerate(out_grads):
        if g is None:
            shape, dtype = node.output_meta[nr]
            zero = np.zeros(shape, dtype=dtype)
            out_grads[nr] = zero if arrays else registry.constant(zero)


def _wrong_count(node, grads_in):
    raise RuntimeError(
        f"{node.fn.__name__}.backward returned {len(grads_in)} gradients, but forward "
        f"took {len(node.inputs)} positional inputs; return one per input (None where "
        "there is none)")


def _reduce_to(g, shape, dtype, node):
    """Sum a broadcast gradient back to its input's shape and cast it to its dtype."""
    if g.shape != shape:
        lead = g.ndim - len(shape)
        if lead < 0:
            raise RuntimeError(
                f"{node.fn.__name__}.backward returned a gradient of shape {g.shape} for "
                f"an input of shape {shape}")
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if lead:
            g = g.reshape(shape)
        if g.shape != shape:
            raise RuntimeError(
                f"{node.fn.__name__}.backward returned a gradient of shape {g.shape} that "
                f"does not broadcast to its input's shape {shape}")
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g
