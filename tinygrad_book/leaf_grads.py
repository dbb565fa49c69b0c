"""Gradients into leaves: what the engine does with a leaf's gradient once a backward
pass has summed it — ``leaf.grad += g``, as PyTorch accumulates until ``zero_grad()``,
without copying a gradient that nothing else holds."""
import sys

import numpy as np

from . import registry


def add_leaf_grad(leaf_grads, leaf, g):
    """Add ``g`` to what this pass has for ``leaf`` (``leaf_grads``: id(leaf) ->
    [leaf, gradient, whether the pass made that array itself])."""
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g, False]
    else:
        # The sum is a new array that nothing else holds: the leaf may keep it.
        entry[1] = entry[1] + g
        entry[2] = True


def accumulate_into_leaf(leaf, g, owned, create_graph):
    """``leaf.grad += g``, as PyTorch accumulates gradients until they are zeroed."""
    if create_graph:
        # A recorded copy: the gradient Tensor may be shared with another leaf.
        leaf.grad = (g if owned else g.clone()) if leaf.grad is None else leaf.grad + g
        return
    arr = g  # create_graph=False: the pass ran on arrays
    current = leaf.grad
    if current is None:
        # A gradient array may be shared (add hands the same one to both
        # operands; a custom backward may return a constant it keeps), and
        # .grad is updated in place later, so each leaf gets memory of its own.
        if not owned or arr.base is not None or not arr.flags.writeable:
            arr = arr.copy()
        leaf.grad = registry.constant(arr)
    elif current.grad_fn is None and current.data.flags.writeable and \
            current.data.shape == arr.shape and current.data.dtype == leaf.data.dtype:
        np.add(current.data, arr, out=current.data, casting="unsafe")
    else:
        leaf.grad = registry.constant(current.data + arr)


def held_only_here(g):
    """Whether nothing but this pass holds the gradient array ``g``: then the leaf may
    keep it as its ``.grad`` without a copy (PyTorch's AccumulateGrad steals a
    gradient the same way, when its use count says nobody else has it). A shared
    gradient (add hands one array to both operands), one a Function keeps, or a
    view is copied instead. Call it on a line of its own, with ``g`` a local."""
    return (g.__class__ is np.ndarray and g.base is None and g.flags.writeable
            and _refcount(g) <= _SOLE_REFS)


def _refcount(g):
    return sys.getrefcount(g)


def _sole_refs():
    """The count ``held_only_here`` sees for an array that only its caller's local
    holds: measured the same way (one local, two calls deep), since it depends on
    the interpreter's calling convention."""
    g = np.empty(1)
    return _probe(g)


def _probe(g):
    return _refcount(g)


_SOLE_REFS = _sole_refs()
