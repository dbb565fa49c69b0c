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
records a :class:`Context` node (``context.py``) — the output's ``grad_fn``.

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
from .context import Context
from .grad_mode import _State as _grad_state
from .grad_mode import threads_off as _threads_off
from .saved import resolve_common_saves, resolve_saved, share_view_counter

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class _ThreadScope(threading.local):
    path = None     # dotted path of the innermost module being called in this thread


_scope = _ThreadScope()


# One entry per module scope open now, in any thread: while the list is empty
# (plain tensor code), recording skips reading the thread-local path. (A list for
# the reason grad_mode.threads_off is one: atomic append and pop.)
_open_scopes: list[None] = []


def enter_module_scope(path):
    """Tag the nodes this thread creates from now on with ``path``; return the path
    it replaced, for ``exit_module_scope``. (``Module.__call__`` calls the pair
    directly: a ``with`` object per module call costs more than the pair.)"""
    _open_scopes.append(None)
    outer = _scope.path
    _scope.path = path
    return outer


def exit_module_scope(outer):
    """Undo the ``enter_module_scope`` that returned ``outer``."""
    _scope.path = outer
    _open_scopes.pop()


class module_scope:
    """Tag every node created inside with a module's dotted path (for viz)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.outer = enter_module_scope(self.path)

    def __exit__(self, *exc):
        exit_module_scope(self.outer)
        return False


def current_module_path():
    """Dotted path of the innermost module being called, or ``None``."""
    return _scope.path


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
    array_backward: Callable[..., Any] | None = None

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
        if (not _threads_off or _grad_state.grad_enabled) and cls.differentiable:
            raw = _link_common(ctx, args) if 0 < len(args) <= 2 else None
            if raw is None:
                raw = _link_inputs(ctx, args)
        else:
            raw = [a.data if isinstance(a, registry.Tensor) else a for a in args]
            ctx.needs_input_grad = _nothing_needed(len(args))
        record = ctx.inputs != ()
        result = cls.forward(ctx, *raw, **kwargs) if kwargs else cls.forward(ctx, *raw)

        if result.__class__ is np.ndarray:  # the common case: one array
            if record:
                return _record_output(ctx, args, raw, result, kwargs)
            out = registry.constant(result)
            if result.base is not None:
                share_view_counter((out,), args)
            return out
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
    raw: list[Any] = []
    inputs: list[Any] = []
    nrs: list[int | None] = []
    needs: list[bool] = []
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
    need = tuple(needs)
    ctx.needs_input_grad = _shared_needs.get(need) or _share(_shared_needs, need, need)
    if constants:
        _note_constant_inputs(ctx, args, constants)
    return raw


def _link_common(ctx, args):
    """``_link_inputs`` for the most common ops, without its loop and lists (this runs
    once per recorded op): ``(x,)`` or ``(x, y)`` where x needs a gradient and y is a
    Tensor that needs one too or a plain array/number. None: not such a call."""
    Tensor = registry.Tensor
    a = args[0]
    if not (isinstance(a, Tensor) and a._requires_grad):
        return None
    gf = a.grad_fn
    node, nr = (a, None) if gf is None else (gf, a._output_nr)
    if len(args) == 1:
        ctx.inputs, ctx.needs_input_grad = (node,), _NEEDED_1
        ctx.input_nrs = _NRS_1.get(nr) or (nr,)
        return [a.data]
    b = args[1]
    if not isinstance(b, Tensor):
        ctx.inputs, ctx.needs_input_grad = (node, None), _NEEDED_10
        ctx.input_nrs = _NRS_2.get((nr, None)) or (nr, None)
        return [a.data, b]
    if not b._requires_grad:
        return None  # a constant Tensor input: the general path notes it for the renderer
    gb = b.grad_fn
    ctx.inputs = (node, b if gb is None else gb)
    nrs = (nr, None if gb is None else b._output_nr)
    ctx.input_nrs = _NRS_2.get(nrs) or nrs
    ctx.needs_input_grad = _NEEDED_11
    return [a.data, b.data]


def _note_constant_inputs(ctx, args, positions):
    """Remember shape, dtype and name of Tensor inputs that need no gradient (a
    batch of images, class targets), so the graph renderer can draw them too."""
    ctx.const_inputs = tuple([(k, args[k].data.shape, args[k].data.dtype, args[k]._name)
                              for k in positions])


def _note_context(ctx, kwargs):
    """What the graph renderer shows of a node: its module, call site and attributes."""
    path = _scope.path
    if path is not None:
        ctx.module_path = path
    if _anomaly_state.enabled:
        record_call_site(ctx)
    if kwargs and ctx.attrs is None:
        ctx.attrs = {k: v for k, v in kwargs.items() if _is_simple_attr(v)}


def _record_output(ctx, args, raw, r, kwargs):
    """``_record_outputs`` for the common case, a forward that returned one array."""
    if kwargs or _open_scopes or _anomaly_state.enabled:
        _note_context(ctx, kwargs)
    meta = (r.shape, r.dtype)
    known = _single_outputs.get(meta)
    if known is None:
        known = _share(_single_outputs, meta, ((meta,), r.dtype.kind == "f"))
    ctx.output_meta, floating = known
    # Only floating point outputs carry gradients (an integer output such as
    # argmax indices is a constant, as in PyTorch).
    make = registry.Tensor._make
    out = make(r, True, ctx, 0) if floating else make(r, False, None, 0)
    if r.base is not None:  # a view: its counter first, so a saved view's version is right
        share_view_counter((out,), args)
    if ctx._saved and not resolve_common_saves(ctx, args, raw, r, out):
        resolve_saved(ctx, args, raw, (r,), (r,), (out,))
    return out


def _record_outputs(ctx, args, raw, produced, results, kwargs):
    """Finish the node after forward and make the output Tensors whose ``grad_fn`` it is."""
    _note_context(ctx, kwargs)
    make = registry.Tensor._make
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
_NEEDED_1, _NEEDED_10, _NEEDED_11 = (True,), (True, False), (True, True)
# A single output's (shape, dtype) -> its output_meta and whether it is floating.
_single_outputs: dict[Any, Any] = {}
# input_nrs of one- and two-input ops on first outputs and leaves (most nodes).
_NRS_1: dict[Any, tuple[Any, ...]] = {None: (None,), 0: (0,)}
_NRS_2: dict[Any, tuple[Any, ...]] = {(i, j): (i, j) for i in (None, 0) for j in (None, 0)}


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
