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
that *is* an input's data comes back in backward as that input Tensor; an
array that *is* an output comes back as a Tensor attached to this node (so
second derivatives flow through it); any other array comes back as a constant.
The node holds edges to its inputs' nodes, not the input Tensors, so an
intermediate array stays alive only while something saved it.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

from . import registry
from .anomaly import _State as _anomaly_state
from .anomaly import record_call_site
from .grad_mode import _State as _grad_state
from .saved import VersionCounter, freed, holds_array, modified, resolve_saved, share_view_counter

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
                    grad, ``None`` otherwise
      needs_input_grad  per positional input: whether it needs a gradient (also
                    valid inside ``forward``)
      input_meta    per positional input: ``(shape, dtype)`` or ``None``
      output_meta   per output: ``(shape, dtype)``
      attrs         op attributes shown by the renderer (e.g. stride, padding)
      module_path   dotted path of the module that created it, if any
      forward_site  ``(file, line, function)`` of the forward call (anomaly mode only)
      const_inputs  ``(position, shape, dtype, name)`` of Tensor inputs needing no gradient
    """

    # A context is made for every op, recorded or not, and a long graph holds
    # one per op, so it is kept small: the fields every node has are slots, the
    # rarely set ones are class-level defaults, and an op's own attributes
    # (``ctx.stride = ...``) go to a __dict__ made only for ops that set some.
    __slots__ = ("fn", "next", "needs_input_grad", "output_meta", "_saved", "_saved_resolved",
                 "_saved_versions", "__dict__", "__weakref__")
    attrs = None
    module_path = None
    forward_site = None
    const_inputs = None     # ((position, shape, dtype, name), ...) of no-grad Tensor inputs
    output_names = None
    _output_hooks = None
    _retained = None

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.next = self.needs_input_grad = self.output_meta = self._saved_resolved = ()
        self._saved = self._saved_versions = None

    @property
    def input_meta(self) -> Any:
        """Per positional input ``(shape, dtype)`` (``None`` for one without a gradient),
        read from the input's node, or from the leaf itself."""
        return tuple(None if e is None else
                     (e[0].data.shape, e[0].data.dtype) if e[1] is None else e[0].output_meta[e[1]]
                     for e in self.next)

    # -- saving -----------------------------------------------------------
    def save_for_backward(self, *values: Any) -> Any:
        """Keep arrays (or Tensors) for backward; read them as ``ctx.saved_tensors``."""
        self._saved = values

    @property
    def saved_tensors(self) -> Any:
        """The saved values as Tensors (inputs and outputs keep their graph)."""
        if self._saved_resolved is None:
            freed(self)
        make = registry.Tensor._make
        out = []
        for i, v in enumerate(self._saved_resolved):
            if v.__class__ is np.ndarray:  # a constant, wrapped only when read
                v = make(v, False, None, 0)
            elif v.__class__ is tuple:
                # (array, index): one of this node's outputs, made a Tensor only now (an
                # output Tensor held by its own node would be a cycle: node -> output -> node).
                vc = self._check_output(i, v)
                v = make(v[0], True, self, v[1])
                v._vc = vc
            elif v is not None and v._vc is not None:
                expected = 0 if self._saved_versions is None else self._saved_versions[i]
                if v._vc.value != expected:
                    modified(self, v.data, v._vc.value, expected)
            out.append(v)
        return tuple(out)

    @property
    def saved_arrays(self) -> Any:
        """The saved values as plain arrays, for ``array_backward`` (same checks)."""
        saved = self._saved_resolved
        if saved is None:
            freed(self)
        out = []
        for i, v in enumerate(saved):
            cls = v.__class__
            if cls is tuple:
                self._check_output(i, v)
                v = v[0]
            elif cls is not np.ndarray and v is not None:
                if v._vc is not None:
                    expected = 0 if self._saved_versions is None else self._saved_versions[i]
                    if v._vc.value != expected:
                        modified(self, v.data, v._vc.value, expected)
                v = v.data
            out.append(v)
        return out

    def _check_output(self, i, saved):
        """Raise if saved output ``saved`` (array, index) changed in place since it was
        saved; return its version counter (None if nothing ever asked for one)."""
        counters = self.__dict__.get("_output_counters")
        vc = None if counters is None else counters.get(saved[1])
        if vc is not None:
            expected = 0 if self._saved_versions is None else self._saved_versions[i]
            if vc.value != expected:
                modified(self, saved[0], vc.value, expected)
        return vc

    def output_counter(self, nr: Any, vc: Any = None) -> Any:
        """The version counter of output ``nr``, shared by every Tensor that stands for
        it (made when first needed; ``vc`` installs a given one, for a view)."""
        counters = self.__dict__.get("_output_counters")
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
        self._saved_resolved = None
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
        Tensor = registry.Tensor
        ctx = Context(cls)
        record = False
        if _grad_state.grad_enabled and cls.differentiable:
            raw, edges, needs = [], [], []
            constants = None  # positions of Tensor inputs that need no gradient
            for a in args:
                if isinstance(a, Tensor):
                    raw.append(a.data)
                    if a._requires_grad:
                        record = True
                        gf = a.grad_fn
                        edges.append((a, None) if gf is None else (gf, a._output_nr))
                        needs.append(True)
                        continue
                    if constants is None:
                        constants = []
                    constants.append(len(raw) - 1)
                else:
                    raw.append(a)
                edges.append(None)
                needs.append(False)
            if record:
                # Set before forward, which may read needs_input_grad (as in PyTorch).
                ctx.next = tuple(edges)
                needs = tuple(needs)
                ctx.needs_input_grad = _shared_needs.get(needs) or _share(_shared_needs, needs,
                                                                          needs)
                if constants:
                    _note_constant_inputs(ctx, args, constants)
            else:
                ctx.needs_input_grad = _nothing_needed(len(args))
        else:
            raw = [a.data if isinstance(a, Tensor) else a for a in args]
            ctx.needs_input_grad = _nothing_needed(len(args))
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
    if ctx._saved is not None:
        for r in results:
            if r.base is not None:  # a view: its counter first, so a saved view's version is right
                share_view_counter(outs, args)
                break
        resolve_saved(ctx, args, raw, produced, results, outs)
    return outs


# Immutable per-node tuples that repeat (needs_input_grad, a single output's
# (shape, dtype)), shared between nodes instead of made for each: every
# object a node keeps alive is one more for Python's cyclic collector to
# scan while a long graph is built (a third of the per-op cost of a chain
# of small ops). Bounded, in case shapes never repeat.
_shared_needs = {}
_shared_meta = {}


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
