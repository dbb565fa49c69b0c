"""Reverse-mode autodiff: walk the recorded graph from the outputs to the leaves.

The walk is iterative (Kahn's algorithm over dependency counts), so a chain
of 100,000 ops needs no recursion, and each node runs once, after every
consumer of its outputs has handed it a gradient — so a tensor used 10,000
times costs 10,000 additions, not a quadratic re-walk.
"""
import weakref

import numpy as np

from .grad_mode import set_grad_enabled


def run_backward(roots, root_grads, retain_graph=False, create_graph=False,
                 inputs=None, allow_unused=False):
    """Backpropagate ``root_grads`` (Tensors) from ``roots`` (Tensors).

    With ``inputs=None`` the gradients are accumulated into the ``.grad`` of
    the leaves (``Tensor.backward``); otherwise nothing is accumulated and the
    gradients of ``inputs`` are returned in order (``tinygrad_book.grad``).
    """
    from .tensor import Tensor

    node_grads = {}     # Context -> list of gradient Tensors, one per output
    leaf_grads = {}     # id(leaf) -> [leaf, gradient Tensor]
    root_nodes = []

    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:
            _add_leaf_grad(leaf_grads, t, g)
        else:
            node = t.grad_fn
            if node not in node_grads:
                node_grads[node] = [None] * len(node.output_meta)
                root_nodes.append(node)
            buf = node_grads[node]
            nr = t._output_nr
            buf[nr] = g if buf[nr] is None else buf[nr] + g

    capture = None
    if inputs is not None:
        # Non-leaf inputs: their gradient is whatever reaches (node, output_nr).
        capture = {}
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                capture.setdefault((t.grad_fn, t._output_nr), []).append(i)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    deps = _count_dependencies(root_nodes)
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]

    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            out_grads = node_grads.pop(node, None)
            if out_grads is not None:
                grads_in = _run_node(node, out_grads, capture, captured, Tensor)
            else:
                grads_in = None  # reachable, but no gradient flowed into it
            for k, edge in enumerate(node.next):
                if edge is None:
                    continue
                target, nr = edge
                g = grads_in[k] if grads_in is not None else None
                if nr is None:
                    if g is not None:
                        _add_leaf_grad(leaf_grads, target, g)
                    continue
                if g is not None:
                    buf = node_grads.get(target)
                    if buf is None:
                        buf = node_grads[target] = [None] * len(target.output_meta)
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                deps[target] -= 1
                if deps[target] == 0:
                    ready.append(target)
            if not retain_graph:
                node.release()

        for leaf, g in leaf_grads.values():
            for hook in leaf._hooks or ():
                replaced = hook(g)
                if replaced is not None:
                    g = replaced
            if inputs is None:
                _accumulate_into_leaf(leaf, g, create_graph)
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
            captured[i] = g.detach()
    return tuple(captured)


def _count_dependencies(root_nodes):
    """For each node, how many recorded edges point into it from the reachable graph."""
    deps = {}
    seen = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for edge in node.next:
            if edge is None or edge[1] is None:
                continue
            target = edge[0]
            deps[target] = deps.get(target, 0) + 1
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return deps


def _run_node(node, out_grads, capture, captured, Tensor):
    """Call one node's backward; return one gradient (or None) per input."""
    for nr, g in enumerate(out_grads):
        if g is None:
            shape, dtype = node.output_meta[nr]
            out_grads[nr] = Tensor._make(np.zeros(shape, dtype=dtype), False, None, 0)
    if node._output_hooks:
        for nr, hooks in node._output_hooks.items():
            for hook in hooks:
                replaced = hook(out_grads[nr])
                if replaced is not None:
                    out_grads[nr] = replaced
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None:
                g = out_grads[nr].detach() if not out_grads[nr].requires_grad else out_grads[nr]
                t.grad = g if t.grad is None else t.grad + g
    if capture:
        for nr in range(len(out_grads)):
            for i in capture.get((node, nr), ()):
                captured[i] = out_grads[nr]

    grads_in = node.fn.backward(node, *out_grads)
    if not isinstance(grads_in, tuple):
        grads_in = (grads_in,)
    if len(grads_in) < len(node.next):
        raise RuntimeError(
            f"{node.fn.__name__}.backward returned {len(grads_in)} gradients, but forward "
            f"took {len(node.next)} positional inputs; return None for inputs without one")
    result = []
    for k, meta in enumerate(node.input_meta):
        g = grads_in[k]
        if g is None or meta is None:
            result.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g), False, None, 0)
        result.append(_reduce_to(g, meta, node))
    return result


def _reduce_to(g, meta, node):
    """Sum a broadcast gradient back to its input's shape and cast it to its dtype."""
    shape, dtype = meta
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


def _add_leaf_grad(leaf_grads, leaf, g):
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        entry[1] = entry[1] + g


def _accumulate_into_leaf(leaf, g, create_graph):
    """``leaf.grad += g``, as PyTorch accumulates gradients until they are zeroed."""
    from .tensor import Tensor

    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    arr = g.data
    current = leaf.grad
    if current is None:
        # The same array may reach several leaves (add passes its gradient on
        # unchanged); each leaf gets its own so in-place updates stay local.
        if arr.base is not None or not arr.flags.writeable or _claimed(arr):
            arr = arr.copy()
        _claim(arr)
        leaf.grad = Tensor._make(arr, False, None, 0)
    elif current.grad_fn is None and current.data.flags.writeable and \
            current.data.shape == arr.shape and current.data.dtype == leaf.data.dtype:
        np.add(current.data, arr, out=current.data, casting="unsafe")
    else:
        leaf.grad = Tensor._make(current.data + arr, False, None, 0)


# Arrays already handed to a leaf's .grad; weak so they die with the grads.
_claimed_arrays = weakref.WeakValueDictionary()


def _claimed(arr):
    return _claimed_arrays.get(id(arr)) is arr


def _claim(arr):
    try:
        _claimed_arrays[id(arr)] = arr
    except TypeError:
        pass


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    Returns a tuple with one gradient per input (``None`` for an unused input
    when ``allow_unused=True``) and leaves every ``.grad`` untouched. With
    ``create_graph=True`` the results are themselves differentiable.
    """
    from .tensor import Tensor, _check_root_gradient

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad and has no grad_fn")
        if g is None:
            if out.size != 1:
                raise RuntimeError(
                    f"grad: grad can be implicitly created only for outputs with one element; "
                    f"output {i} has shape {out.shape}, so pass grad_outputs")
            g = Tensor._make(np.ones(out.shape, dtype=out.dtype), False, None, 0)
        else:
            g = _check_root_gradient(g, out, "grad")
        roots.append(out)
        root_grads.append(g)
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(roots, root_grads, retain_graph=retain_graph,
                        create_graph=create_graph, inputs=inputs, allow_unused=allow_unused)
