"""Reverse-mode autodiff: walk the recorded graph from the outputs to the leaves.

The walk is iterative (Kahn's algorithm over dependency counts), so a chain
of 100,000 ops needs no recursion, and each node runs once, after every
consumer of its outputs has handed it a gradient — so a tensor used 10,000
times costs 10,000 additions, not a quadratic re-walk.
"""
import numpy as np

from .anomaly import _State as _anomaly_state
from .anomaly import check_gradients
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
    leaf_grads = {}     # id(leaf) -> [leaf, gradient Tensor, whether we own its array]
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
    ready = [n for n in root_nodes if n not in deps]

    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            out_grads = node_grads.pop(node, None)
            if out_grads is None:
                grads_in = ()  # reachable, but no gradient flowed into it
            else:
                if node._output_hooks or node._retained or capture:
                    _before_node(node, out_grads, capture, captured, create_graph)
                for g in out_grads:
                    if g is None:  # an output nobody used: its gradient is zero
                        _fill_missing(node, out_grads)
                        break
                grads_in = node.fn.backward(node, *out_grads)
                if grads_in.__class__ is not tuple:
                    grads_in = (grads_in,)
                if len(grads_in) != len(node.next):
                    _wrong_count(node, grads_in)
                if _anomaly_state.enabled:
                    check_gradients(node, grads_in)
            for edge, g in zip(node.next, grads_in):
                if edge is None:
                    continue
                target, nr = edge
                if g is not None:
                    if not isinstance(g, Tensor):
                        g = Tensor._make(np.asarray(g), False, None, 0)
                    data = g.data
                    if nr is None:
                        if data.shape != target.data.shape or data.dtype != target.data.dtype:
                            g = _reduce_to(g, target.data.shape, target.data.dtype, node)
                        _add_leaf_grad(leaf_grads, target, g)
                        continue
                    shape, dtype = target.output_meta[nr]
                    if data.shape != shape or data.dtype != dtype:
                        g = _reduce_to(g, shape, dtype, node)
                    buf = node_grads.get(target)
                    if buf is None:
                        buf = node_grads[target] = [None] * len(target.output_meta)
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                elif nr is None:
                    continue
                # Every edge into a node is counted, whether or not it carried a gradient.
                left = deps[target] - 1
                if left:
                    deps[target] = left
                else:
                    ready.append(target)
            if not retain_graph:
                node.release()
            if out_grads is None:
                # The edges above were skipped by zip(); count them down here.
                _skip_edges(node, deps, ready)

        for leaf, g, owned in leaf_grads.values():
            if leaf._hooks:
                for hook in list(leaf._hooks):
                    replaced = hook(g)
                    if replaced is not None:
                        g, owned = _hook_result(hook, replaced, g), False
            if inputs is None:
                _accumulate_into_leaf(leaf, g, owned, create_graph)
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


def _skip_edges(node, deps, ready):
    for edge in node.next:
        if edge is not None and edge[1] is not None:
            target = edge[0]
            left = deps[target] - 1
            if left:
                deps[target] = left
            else:
                ready.append(target)


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


def _before_node(node, out_grads, capture, captured, create_graph):
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
                t.grad = g.clone() if create_graph else type(g)._make(g.data.copy(), False, None, 0)
            else:
                t.grad = t.grad + g
    if capture:
        for nr in range(len(out_grads)):
            for i in capture.get((node, nr), ()):
                captured[i] = out_grads[nr]


def _hook_result(hook, replaced, grad):
    """A hook's replacement gradient, checked: it must be a Tensor of the same shape."""
    from .tensor import Tensor

    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(replaced, Tensor):
        raise TypeError(f"hook {name} returned {type(replaced).__name__}; a hook must return "
                        "None or a Tensor (the new gradient)")
    if replaced.shape != grad.shape:
        raise RuntimeError(f"hook {name} returned a gradient of shape {replaced.shape} for a "
                           f"gradient of shape {grad.shape}; the shape must not change")
    if replaced.dtype != grad.dtype:
        replaced = replaced.astype(grad.dtype)
    return replaced


def _fill_missing(node, out_grads):
    from .tensor import Tensor

    for nr, g in enumerate(out_grads):
        if g is None:
            shape, dtype = node.output_meta[nr]
            out_grads[nr] = Tensor._make(np.zeros(shape, dtype=dtype), False, None, 0)


def _wrong_count(node, grads_in):
    raise RuntimeError(
        f"{node.fn.__name__}.backward returned {len(grads_in)} gradients, but forward "
        f"took {len(node.next)} positional inputs; return one per input (None where "
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


def _add_leaf_grad(leaf_grads, leaf, g):
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g, False]
    else:
        # The sum is a new array that nothing else holds: the leaf may keep it.
        entry[1] = entry[1] + g
        entry[2] = True


def _accumulate_into_leaf(leaf, g, owned, create_graph):
    """``leaf.grad += g``, as PyTorch accumulates gradients until they are zeroed."""
    from .tensor import Tensor

    if create_graph:
        # A recorded copy: the gradient Tensor may be shared with another leaf.
        leaf.grad = (g if owned else g.clone()) if leaf.grad is None else leaf.grad + g
        return
    arr = g.data
    current = leaf.grad
    if current is None:
        # A gradient array may be shared (add hands the same one to both
        # operands; a custom backward may return a constant it keeps), and
        # .grad is updated in place later, so each leaf gets memory of its own.
        if not owned or arr.base is not None or not arr.flags.writeable:
            arr = arr.copy()
        leaf.grad = Tensor._make(arr, False, None, 0)
    elif current.grad_fn is None and current.data.flags.writeable and \
            current.data.shape == arr.shape and current.data.dtype == leaf.data.dtype:
        np.add(current.data, arr, out=current.data, casting="unsafe")
    else:
        leaf.grad = Tensor._make(current.data + arr, False, None, 0)


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
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: input {i} is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
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
