"""``Context``: a recorded op, the node of the graph.

``Function.apply`` (``autograd.py``) makes one per op: it is the ``ctx``
that ``forward`` and ``backward`` receive, and the ``grad_fn`` of the op's
outputs. It holds the edges to the op's inputs, what ``forward`` saved for
``backward`` (read back as ``saved_tensors`` or ``saved_arrays``, checked
against in-place changes), and what the graph renderer draws.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import registry
from .saved import VersionCounter, all_changes, freed, holds_array, modified, output_counter_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


# What an op's attributes mostly are besides arrays: release() need not look inside.
_PLAIN = frozenset((int, float, str, bool, dict, type(None)))


class Context:
    """A recorded op: the ``grad_fn`` of its outputs and the ``ctx`` of its Function.

    Attributes the engine and the graph renderer read::

      fn            the Function subclass
      next          per positional input: ``(node, output_nr)`` for a non-leaf that
                    requires grad, ``(leaf_tensor, None)`` for a leaf that requires
                    grad, ``None`` otherwise (built on demand from ``inputs`` and
                    ``input_nrs``, the two tuples the engine walks)
      needs_input_grad  per positional input: whether it needs a gradient (also
                    valid inside ``forward``)
      input_meta    per positional input: ``(shape, dtype)`` or ``None``
      output_meta   per output: ``(shape, dtype)``
      attrs         op attributes shown by the renderer (e.g. stride, padding)
      module_path   dotted path of the module that created it, if any
      forward_site  ``(file, line, function)`` of the forward call (anomaly mode only)
      const_inputs  ``(position, shape, dtype, name)`` of Tensor inputs needing no gradient
    """

    # A long graph holds one context per op, and every object a node keeps
    # alive is one more for Python's cyclic collector to scan while the graph
    # is built (which made a 10,000-op chain twice as slow per op as a short
    # one). So a node is one object and one tuple of input nodes: the fields
    # every node has are slots; tuples that repeat (needs_input_grad, a single
    # output's meta) are shared between nodes; input_nrs and the saved values
    # hold ints and arrays, which the collector stops tracking; rarely set
    # fields are class-level defaults; an op's own attributes
    # (``ctx.stride = ...``) go to a __dict__ made only for ops that set some.
    __slots__ = ("fn", "inputs", "input_nrs", "needs_input_grad", "output_meta", "_saved",
                 "_saved_links", "_saved_epoch", "module_path", "__dict__", "__weakref__")
    fn: Any
    inputs: tuple[Any, ...]             # per input: its node, the leaf itself, or None
    input_nrs: tuple[int | None, ...]   # per input: its output number (None: leaf or none)
    needs_input_grad: tuple[bool, ...]
    output_meta: tuple[tuple[tuple[int, ...], np.dtype[Any]], ...]
    _saved: tuple[Any, ...] | None      # None once released
    _saved_links: tuple[Any, ...]
    _saved_epoch: int
    module_path: str | None             # (a slot: most nodes of a model have one)
    attrs = None
    forward_site = None
    const_inputs = None     # ((position, shape, dtype, name), ...) of no-grad Tensor inputs
    output_names = None
    _output_hooks = None
    _output_counters: dict[int, VersionCounter] | None = None  # made on first need
    _retained = None
    _saved_versions = None   # per saved value, its version when saved (None: all 0)

    def __init__(self, fn: Callable[..., Any]) -> None:
        # (input_nrs, needs_input_grad and output_meta are set by Function.apply,
        # as soon as it knows them: setting them here too would cost every op.)
        self.fn = fn
        self.inputs = ()
        self.module_path = None
        self._saved = self._saved_links = ()
        self._saved_epoch = 0  # saved.all_changes when the values were saved

    @property
    def next(self) -> Any:
        """Per positional input, ``(node, output_nr)``, ``(leaf, None)`` or ``None``."""
        return tuple(None if n is None else (n, nr)
                     for n, nr in zip(self.inputs, self.input_nrs, strict=True))

    @property
    def input_meta(self) -> Any:
        """Per positional input ``(shape, dtype)`` (``None`` for one without a gradient),
        read from the input's node, or from the leaf itself."""
        return tuple(None if n is None else
                     (n.data.shape, n.data.dtype) if nr is None else n.output_meta[nr]
                     for n, nr in zip(self.inputs, self.input_nrs, strict=True))

    # -- saving -----------------------------------------------------------
    def save_for_backward(self, *values: Any) -> Any:
        """Keep arrays (or Tensors) for backward; read them as ``ctx.saved_tensors``."""
        self._saved = values

    @property
    def saved_tensors(self) -> Any:
        """The saved values as Tensors (inputs and outputs keep their graph)."""
        saved = self._saved
        if saved is None:
            freed(self)
        if self._saved_epoch != all_changes.value:
            self._check_versions()
        make = registry.Tensor._make
        out = []
        for array, link in zip(saved, self._saved_links, strict=True):
            if link is None:  # a constant, wrapped only when read
                out.append(None if array is None else make(array, False, None, 0))
            elif link.__class__ is not int:  # a Tensor input needing no gradient
                out.append(link)
            else:
                node, nr = self._linked(link)
                if nr is None:  # a leaf input: the leaf itself
                    out.append(node)
                    continue
                # An output or a non-leaf input, made a Tensor only now (an output
                # Tensor held by its own node would be a cycle).
                t = make(array, True, node, nr)
                t._vc = output_counter_of(node, nr)
                out.append(t)
        return tuple(out)

    @property
    def saved_arrays(self) -> Any:
        """The saved values as plain arrays, for ``array_backward`` (same checks)."""
        saved = self._saved
        if saved is None:
            freed(self)
        if self._saved_epoch != all_changes.value:
            self._check_versions()
        return saved

    def _linked(self, link):
        """The ``(node, output_nr)`` a saved link stands for: ``link >= 0`` is this
        node's output ``link``; ``link < 0`` its input ``-1 - link`` (a leaf input's
        "node" is the leaf Tensor itself, output_nr None)."""
        if link >= 0:
            return self, link
        return self.inputs[-1 - link], self.input_nrs[-1 - link]

    def _check_versions(self):
        """Raise if a saved value changed in place since it was saved (some tensor
        did, somewhere: ``saved.all_changes`` moved)."""
        versions, saved = self._saved_versions, self._saved
        assert saved is not None  # the callers raised already if it was freed
        for j, link in enumerate(self._saved_links):
            if link is None:
                continue
            if link.__class__ is not int:
                vc = link._vc
            else:
                node, nr = self._linked(link)
                vc = node._vc if nr is None else output_counter_of(node, nr)
            if vc is not None:
                expected = 0 if versions is None else versions[j]
                if vc.value != expected:
                    modified(self, saved[j], vc.value, expected)

    def output_counter(self, nr: Any, vc: Any = None) -> Any:
        """The version counter of output ``nr``, shared by every Tensor that stands for
        it (made when first needed; ``vc`` installs a given one, for a view)."""
        counters = self._output_counters
        if counters is None:
            counters = self._output_counters = {}
        if vc is not None:
            counters[nr] = vc
        elif nr not in counters:
            counters[nr] = VersionCounter()
        return counters[nr]

    def name(self) -> Any:
        """Op name as PyTorch prints it, e.g. ``MulBackward``."""
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    def release(self) -> Any:
        """Drop saved arrays: what ``retain_graph=False`` does after backward.

        That includes arrays the Function kept as its own attributes (max-pool's
        argmax, an advanced index), so a graph kept alive after backward (a loss
        in a list) holds no per-op arrays; shapes and other small values stay,
        and with them the graph's picture.
        """
        self._saved = None
        self._saved_links = ()
        if self.__dict__:
            self._release_attributes()

    def _release_attributes(self):
        state = self.__dict__
        arrays = [k for k, v in state.items()
                  if v.__class__ is np.ndarray or (v.__class__ not in _PLAIN and holds_array(v))]
        if arrays:
            for k in arrays:
                del state[k]
            state["_released"] = tuple(arrays)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: an attribute release() dropped.
        if name in self.__dict__.get("_released", ()):
            raise RuntimeError(
                f"Trying to backward through {self.name()} a second time (or to read its "
                f"saved state, ctx.{name}, after it was freed). Saved arrays are released "
                "after backward; call .backward(retain_graph=True) the first time if you "
                "need to backward through the graph again.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
