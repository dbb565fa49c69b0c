"""``Function``: the one way an operation enters the graph.

Every op, from ``add`` to ``conv2d``, is a subclass of :class:`Function` with

* ``forward(ctx, *args, **kwargs)``: computes on plain ``np.ndarray`` values
  (each Tensor argument arrives as its ``.data``) and returns an array or a
  tuple of arrays;
* ``backward(ctx, *grad_outputs)``: receives one Tensor per output and returns
  one gradient per positional forward argument (``None`` where there is none).
  It is written with Tensor ops, so that under ``create_graph=True`` the
  backward pass is itself recorded and can be differentiated again.

``Function.apply(*args)`` runs forward and, when any input requires grad,
records a :class:`Context` node — the output's ``grad_fn``.

Saved values: ``ctx.save_for_backward(a, b, ...)`` accepts arrays. An array
that *is* an input's data comes back in backward as that input (a leaf as
itself, an op's output as a Tensor on the same node); an array that *is* an
output comes back as a Tensor attached to this node (so second derivatives
flow through it); any other array comes back as a constant. The node holds
edges to its inputs' nodes, not the input Tensors, so an intermediate array
stays alive only while something saved it.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

from . import registry
from .anomaly import _State as _anomaly_state
from .anomaly import record_call_site
from .grad_mode import _State as _grad_state
from .saved import (
    VersionCounter,
    all_changes,
    freed,
    holds_array,
    modified,
    output_counter_of,
    resolve_saved,
    share_view_counter,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class _ThreadScope(threading.local):
    path = None     # dotted path of the innermost module being called in this thread


_scope = _ThreadScope()


class module_scope:
    """Tag every node created inside with a module's dotted path (for viz)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.outer = _scope.path
        _scope.path = self.path

    def __exit__(self, *exc):
        _scope.path = self.outer
        return False


def current_module_path():
    """Dotted path of the innermost module being called, or ``None``."""
    return _scope.path


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
                 "_saved_links", "_saved_epoch", "__dict__", "__weakref__")
    attrs = None
    module_path = None
    forward_site = None
    const_inputs = None     # ((position, shape, dtype, name), ...) of no-grad Tensor inputs
    output_names = None
    _output_hooks = None
    _output_counters = None  # output_nr -> VersionCounter, made on first need
    _retained = None
    _saved_versions = None   # per saved value, its version when saved (None: all 0)

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.inputs = self.input_nrs = self.needs_input_grad = self.output_meta = ()
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
        versions = self._saved_versions
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
                    modified(self, self._saved[j], vc.value, expected)

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
        self._saved = self._saved_links = None
        state = self.__dict__
        if state:
            arrays = [k for k, v in state.items() if holds_array(v)]
            for k in arrays:
                del state[k]
            if arrays:
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


class Function:
    """Base class of every differentiable op; subclass it to add your own.

    Example — a user-defined cube op::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):             # x: np.ndarray
                ctx.save_for_backward(x)
                return x ** 3
            @staticmethod
            def backward(ctx, grad):         # grad: Tensor
                (x,) = ctx.saved_tensors     # x: Tensor
                return grad * 3 * x ** 2

        y = Cube.apply(t)
    """

    # Set to False for ops whose outputs are never differentiable (e.g. argmax).
    differentiable = True
    # Optional: ``array_backward(ctx, *grad_arrays)``, the same derivative as
    # ``backward`` on plain arrays (saved values read as ``ctx.saved_arrays``),
    # returning arrays. backward() without create_graph runs it when present:
    # nothing is recorded then, so Tensors around each gradient would only cost.
    array_backward = None

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> None:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arrays of ``args`` and record the node if needed."""
        ctx = Context(cls)
        if _grad_state.grad_enabled and cls.differentiable:
            raw = _link_inputs(ctx, args)
        else:
            raw = [a.data if isinstance(a, registry.Tensor) else a for a in args]
            ctx.needs_input_grad = _nothing_needed(len(args))
        record = ctx.inputs != ()
        result = cls.forward(ctx, *raw, **kwargs)

        if result.__class__ is np.ndarray:  # the common case: one array
            if record:
                outs = _record_outputs(ctx, args, raw, (result,), (result,), kwargs)
            else:
                outs = (registry.constant(result),)
            if result.base is not None:
                share_view_counter(outs, args)
            return outs[0]
        produced = result if result.__class__ is tuple else (result,)
        # NumPy returns scalars from 0-d inputs; a Tensor always holds an array.
        results = tuple([np.asarray(r) for r in produced])
        if record:
            outs = _record_outputs(ctx, args, raw, produced, results, kwargs)
        else:
            outs = tuple([registry.constant(r) for r in results])
        share_view_counter(outs, args)
        return outs if result.__class__ is tuple else outs[0]


def _link_inputs(ctx, args):
    """The arrays ``forward`` gets; when an input requires grad, also the node's
    edges to its inputs (set before forward, which may read needs_input_grad,
    as in PyTorch). A node's edge is its input's node and output number, or the
    leaf Tensor itself (output number None), or None for an input needing no
    gradient."""
    Tensor = registry.Tensor
    raw, inputs, nrs, needs = [], [], [], []
    constants = None  # positions of Tensor inputs that need no gradient
    for a in args:
        if isinstance(a, Tensor):
            raw.append(a.data)
            if a._requires_grad:
                gf = a.grad_fn
                if gf is None:
                    inputs.append(a)
                    nrs.append(None)
                else:
                    inputs.append(gf)
                    nrs.append(a._output_nr)
                needs.append(True)
                continue
            if constants is None:
                constants = []
            constants.append(len(raw) - 1)
        else:
            raw.append(a)
        inputs.append(None)
        nrs.append(None)
        needs.append(False)
    if True not in needs:
        ctx.needs_input_grad = _nothing_needed(len(args))
        return raw
    ctx.inputs = tuple(inputs)
    ctx.input_nrs = tuple(nrs)
    needs = tuple(needs)
    ctx.needs_input_grad = _shared_needs.get(needs) or _share(_shared_needs, needs, needs)
    if constants:
        _note_constant_inputs(ctx, args, constants)
    return raw


def _note_constant_inputs(ctx, args, positions):
    """Remember shape, dtype and name of Tensor inputs that need no gradient (a
    batch of images, class targets), so the graph renderer can draw them too."""
    ctx.const_inputs = tuple([(k, args[k].data.shape, args[k].data.dtype, args[k]._name)
                              for k in positions])


def _record_outputs(ctx, args, raw, produced, results, kwargs):
    """Finish the node after forward and make the output Tensors whose ``grad_fn`` it is."""
    path = _scope.path
    if path is not None:
        ctx.module_path = path
    if _anomaly_state.enabled:
        record_call_site(ctx)
    if kwargs and ctx.attrs is None:
        ctx.attrs = {k: v for k, v in kwargs.items() if _is_simple_attr(v)}
    make = registry.Tensor._make
    if len(results) == 1:
        r = results[0]
        meta = (r.shape, r.dtype)
        ctx.output_meta = _shared_meta.get(meta) or _share(_shared_meta, meta, (meta,))
        # Only floating point outputs carry gradients (an integer output such as
        # argmax indices is a constant, as in PyTorch).
        outs = (make(r, True, ctx, 0) if r.dtype.kind == "f" else make(r, False, None, 0),)
    else:
        ctx.output_meta = tuple([(r.shape, r.dtype) for r in results])
        outs = tuple([make(r, True, ctx, i) if r.dtype.kind == "f" else make(r, False, None, i)
                      for i, r in enumerate(results)])
    if ctx._saved:
        for r in results:
            if r.base is not None:  # a view: its counter first, so a saved view's version is right
                share_view_counter(outs, args)
                break
        resolve_saved(ctx, args, raw, produced, results, outs)
    return outs


# Tuples that repeat from node to node (needs_input_grad, a single output's
# ((shape, dtype),)), shared instead of made for each. The collector stops
# tracking a tuple of numbers once it has seen it, but a tuple of tuples only
# one level per pass: meanwhile it is promoted with the graph and counts
# towards the full collections a long graph triggers.
_shared_needs: dict[Any, Any] = {}
_shared_meta: dict[Any, Any] = {}


def _share(cache, key, value):
    if len(cache) >= 4096:
        cache.clear()
    cache[key] = value
    return value


def _nothing_needed(n):
    """``(False,) * n``, shared: ``needs_input_grad`` of an op that records nothing,
    so a ``forward`` that reads it works under ``no_grad`` too."""
    needs = _shared_needs.get(n)
    return needs if needs is not None else _share(_shared_needs, n, (False,) * n)


def _is_simple_attr(v):
    if isinstance(v, (bool, int, float, str, np.integer, np.floating)) or v is None:
        return True
    return isinstance(v, tuple) and len(v) <= 8 and all(isinstance(e, (int, np.integer)) for e in v)
