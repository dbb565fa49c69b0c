"""``Tensor``: an ``np.ndarray`` that remembers how it was computed.

A Tensor made by an op on tensors that require grad carries ``grad_fn``, the
recorded node; ``backward()`` walks those nodes from the output back to the
leaves and fills each leaf's ``.grad``.

This file holds what a tensor *is* (its data, its place in the graph, its
version); the ops it can do live in ``ops/``, each next to its Function, and
become methods by registration (see ``tinygrad_book/ops/__init__.py``).
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from . import engine, gradients, ops, registry  # noqa: F401  (ops: registers the methods)

# The functions on tensors, also importable from here (their home is ops/).
from .ops.elementwise import maximum, minimum  # noqa: F401
from .ops.join import cat, pad, split, stack  # noqa: F401
from .ops.matmul import matmul  # noqa: F401
from .ops.operands import to_array
from .ops.select import where  # noqa: F401
from .saved import VersionCounter, bump
from .tensor_format import format_tensor

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from tinygrad_book._typing import ArrayLike, DTypeLike


if TYPE_CHECKING:
    # The registered methods, as a type checker should see them (see _tensor_api.py).
    from ._tensor_api import TensorMethods as _Methods
else:
    _Methods = object


class Tensor(_Methods):
    """An n-dimensional array with reverse-mode autodiff.

    Args:
        data: array-like. Python floats (and lists of them) become float32;
            Python ints stay int64; an ``np.ndarray`` keeps its dtype and is
            shared, not copied (``tinygrad_book.tensor`` copies).
        requires_grad: record ops on this tensor so ``backward`` reaches it.
            Only floating point tensors can require grad.
        dtype: NumPy dtype to convert to.
        name: label shown by ``draw_graph``.
    """

    __slots__ = ("data", "grad", "_requires_grad", "grad_fn", "_output_nr", "_name",
                 "_hooks", "_vc", "__weakref__")
    # NumPy defers to our reflected operators (array + tensor -> Tensor).
    __array_priority__ = 1000
    # The slots' types (set in __init__, or by _make for an op's output).
    data: np.ndarray
    grad: Tensor | None
    grad_fn: Any                    # the Context that made it; None for a leaf
    _hooks: list[Callable[..., Any]] | None
    _vc: VersionCounter | None

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: DTypeLike | None = None,
                 name: str | None = None) -> None:
        self.data = to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._name = name
        self._hooks = None
        self._vc = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data, requires_grad, grad_fn, output_nr):
        """Fast internal constructor: no conversion, no checks."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._name = None
        t._hooks = None
        t._vc = None
        return t

    # -- autograd attributes ---------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, got dtype "
                f"{self.data.dtype}; convert first, e.g. t.float()")
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf tensor; use .detach() "
                f"to cut this tensor (made by {self.grad_fn.name()}) out of the graph")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place; returns ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (no ``grad_fn``); their ``.grad`` is filled."""
        return self.grad_fn is None

    @property
    def name(self) -> str | None:
        return self._name

    @name.setter
    def name(self, value):
        self._name = value
        if self.grad_fn is not None:
            names = self.grad_fn.output_names
            if names is None:
                names = self.grad_fn.output_names = [None] * len(self.grad_fn.output_meta)
            names[self._output_nr] = value

    def backward(self, gradient: Any = None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` (same shape as ``self``) is required unless ``self`` has one
        element. ``retain_graph`` keeps saved arrays for another backward;
        ``create_graph`` records the backward pass itself for higher-order grads.
        """
        if not self._requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn; make "
                "its inputs with requires_grad=True (and not under no_grad())")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for outputs with one "
                    f"element, but this tensor has shape {self.shape}; pass gradient= of that "
                    "shape (or reduce it, e.g. .sum())")
            gradient = registry.constant(np.ones(self.shape, dtype=self.dtype))
        else:
            gradient = gradients.check_root_gradient(gradient, self, "backward()")
        engine.run_backward([self], [gradient], retain_graph=retain_graph or create_graph,
                            create_graph=create_graph)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always do)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad, so it "
                               "never gets a gradient")
        if self.grad_fn is None:
            return
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        A hook may return a new gradient to use instead. Returns a handle whose
        ``remove()`` unregisters it.
        """
        if not self._requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that "
                               "does not require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._output_hooks is None:
                node._output_hooks = {}
            hooks = node._output_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data (and version counter), cut out of the graph."""
        t = registry.constant(self.data)
        t._vc = self._version_counter()
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor out of the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- version counter: catches in-place changes of saved tensors ---------------
    @property
    def _version(self):
        """How many in-place changes this tensor's memory has seen (shared by its
        views and ``detach()``; ``.data`` writes are not counted)."""
        return 0 if self._vc is None else self._vc.value

    def _version_counter(self):
        """The shared counter, made on first need (most tensors never need one)."""
        vc = self._vc
        if vc is None:
            # An op's output: the counter lives with its node, which checks it.
            node = self.grad_fn
            vc = VersionCounter() if node is None else node.output_counter(self._output_nr)
            self._vc = vc
        return vc

    def _bump_version(self):
        bump(self._version_counter())

    # -- array attributes ------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> Any:
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: DTypeLike | None = None, copy: Any = None) -> Any:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return format_tensor(self)

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))


registry.register_tensor_type(Tensor)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
