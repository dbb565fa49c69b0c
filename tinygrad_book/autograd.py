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
import numpy as np

from .grad_mode import is_grad_enabled

_module_scope = []


class module_scope:
    """Tag every node created inside with a module's dotted path (for viz)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        _module_scope.append(self.path)

    def __exit__(self, *exc):
        _module_scope.pop()
        return False


def current_module_path():
    """Dotted path of the innermost module being called, or ``None``."""
    return _module_scope[-1] if _module_scope else None


# Kinds of saved entries, resolved to Tensors when backward reads them.
_SAVED_INPUT, _SAVED_OUTPUT, _SAVED_CONST = 0, 1, 2


class Context:
    """A recorded op: the ``grad_fn`` of its outputs and the ``ctx`` of its Function.

    Attributes the engine and the graph renderer read:
      fn            the Function subclass
      next          per positional input: ``(node, output_nr)`` for a non-leaf that
                    requires grad, ``(leaf_tensor, None)`` for a leaf that requires
                    grad, ``None`` otherwise
      input_meta    per positional input: ``(shape, dtype)`` or ``None``
      output_meta   per output: ``(shape, dtype)``
      attrs         op attributes shown by the renderer (e.g. stride, padding)
      module_path   dotted path of the module that created it, if any
    """

    __slots__ = ("fn", "next", "input_meta", "output_meta", "needs_input_grad",
                 "attrs", "module_path", "output_names", "_saved", "_saved_resolved", "_released",
                 "_output_hooks", "_retained", "_output_arrays", "__dict__",
                 "__weakref__")

    def __init__(self, fn):
        self.fn = fn
        self.next = ()
        self.input_meta = ()
        self.output_meta = ()
        self.needs_input_grad = ()
        self.attrs = None
        self.module_path = None
        self.output_names = None
        self._saved = None
        self._saved_resolved = ()
        self._released = False
        self._output_hooks = None
        self._retained = None
        self._output_arrays = None

    # -- saving -----------------------------------------------------------
    def save_for_backward(self, *values):
        """Keep arrays (or Tensors) for backward; read them as ``ctx.saved_tensors``."""
        self._saved = values

    @property
    def saved_tensors(self):
        """The saved values as Tensors (inputs and outputs keep their graph)."""
        if self._released:
            raise RuntimeError(
                f"Trying to backward through {self.name()} a second time (or to read its "
                "saved tensors after they were freed). Saved arrays are released after "
                "backward; call .backward(retain_graph=True) the first time if you need "
                "to backward through the graph again.")
        from .tensor import Tensor

        out = []
        for kind, value in self._saved_resolved:
            if kind == _SAVED_INPUT or value is None:
                out.append(value)
            elif kind == _SAVED_OUTPUT:
                arr, idx = value
                t = Tensor._make(arr, True, self, idx)
                out.append(t)
            else:
                out.append(value if isinstance(value, Tensor) else Tensor._make(value, False, None, 0))
        return tuple(out)

    def name(self):
        """Op name as PyTorch prints it, e.g. ``MulBackward``."""
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    def release(self):
        """Drop saved arrays: what ``retain_graph=False`` does after backward."""
        self._saved_resolved = ()
        self._released = True


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

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on the arrays of ``args`` and record the node if needed."""
        from .tensor import Tensor

        raw = []
        requires_grad = False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.data)
                if a.requires_grad:
                    requires_grad = True
            else:
                raw.append(a)
        requires_grad = requires_grad and cls.differentiable and is_grad_enabled()

        ctx = Context(cls)
        result = cls.forward(ctx, *raw, **kwargs)
        multi = isinstance(result, tuple)
        results = result if multi else (result,)
        results = tuple(r if isinstance(r, np.ndarray) else np.asarray(r) for r in results)

        if not requires_grad:
            outs = tuple(Tensor._make(r, False, None, 0) for r in results)
            return outs if multi else outs[0]

        next_edges = []
        needs = []
        meta = []
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                gf = a.grad_fn
                next_edges.append((gf, a._output_nr) if gf is not None else (a, None))
                needs.append(True)
                meta.append((a.data.shape, a.data.dtype))
            else:
                next_edges.append(None)
                needs.append(False)
                meta.append(None)
        ctx.next = tuple(next_edges)
        ctx.needs_input_grad = tuple(needs)
        ctx.input_meta = tuple(meta)
        ctx.output_meta = tuple((r.shape, r.dtype) for r in results)
        ctx.module_path = current_module_path()
        if ctx.attrs is None and kwargs:
            ctx.attrs = {k: v for k, v in kwargs.items() if _is_simple_attr(v)}
        ctx._saved_resolved = _resolve_saved(ctx._saved, args, raw, results)
        ctx._saved = None
        outs = tuple(Tensor._make(r, True, ctx, i) for i, r in enumerate(results))
        return outs if multi else outs[0]


def _is_simple_attr(v):
    if isinstance(v, (bool, int, float, str, np.integer, np.floating)) or v is None:
        return True
    return isinstance(v, tuple) and len(v) <= 8 and all(isinstance(e, (int, np.integer)) for e in v)


def _resolve_saved(saved, args, raw, results):
    """Turn what forward saved into (kind, value) pairs; see the module docstring."""
    if not saved:
        return ()
    resolved = []
    for value in saved:
        kind = _SAVED_CONST
        ref = value
        if isinstance(value, np.ndarray):
            for a, r in zip(args, raw):
                if r is value and a is not r:
                    kind, ref = _SAVED_INPUT, a
                    break
            else:
                for i, r in enumerate(results):
                    if r is value:
                        kind, ref = _SAVED_OUTPUT, (r, i)
                        break
        resolved.append((kind, ref))
    return tuple(resolved)
