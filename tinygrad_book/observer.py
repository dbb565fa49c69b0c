"""Watching the engine: ``with engine.observe(callback):`` sees each node of the
backward passes run in this thread (the graph explorer replays a pass with it)."""
import threading

import numpy as np

from . import registry


class _Observers(threading.local):
    current = None


observers = _Observers()


class observe:
    """Watch the backward passes run in this thread: ``with engine.observe(callback):``.

    ``callback(node, grad_outputs, grad_inputs)`` is called once per node, in
    the order the engine processes them (outputs before inputs), right after
    the node's backward ran: ``node`` is the ``Context`` (``node.name()`` is
    e.g. ``"MulBackward"``; ``node.next`` its edges to its inputs),
    ``grad_outputs`` the list of gradient Tensors of its outputs (``None`` when
    no gradient reached the node at all) and ``grad_inputs`` the tuple its
    backward returned, one per positional input (``None`` where there is none;
    ``()`` if the node was skipped). The callback must not change them.

    Per thread: another thread's passes are not seen. Blocks nest; the inner
    callback replaces the outer one until it exits. When nothing observes, the
    engine pays one comparison per node.
    """

    def __init__(self, callback):
        if not callable(callback):
            raise TypeError(f"observe(callback): callback must be callable, got "
                            f"{type(callback).__name__}")
        self.callback = callback

    def __enter__(self):
        self.prev = observers.current
        observers.current = self.callback
        return self

    def __exit__(self, *exc):
        observers.current = self.prev
        return False


def notify(observer, node, out_grads, grads_in, arrays):
    """Call the observer with Tensors, whatever the pass's kind."""
    if arrays:
        out_grads = None if out_grads is None else [registry.constant(np.asarray(g))
                                                    for g in out_grads]
        grads_in = tuple(g if g is None or isinstance(g, registry.Tensor) else
                         registry.constant(np.asarray(g)) for g in grads_in)
    observer(node, out_grads, grads_in)
