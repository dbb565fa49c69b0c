"""``Tensor``: an ``np.ndarray`` that remembers how it was computed.

A Tensor made by an op on tensors that require grad carries ``grad_fn``, the
recorded node; ``backward()`` walks those nodes from the output back to the
leaves and fills each leaf's ``.grad``.
"""
import weakref

import numpy as np

from . import autograd, engine
from .grad_mode import _State as _grad_state
from .ops import (binary_math, casts, indexing, linalg, logic, norms, reductions,  # noqa: F401
                  reorder, rounding, scan, sorting, unary_math)
from .ops import elementwise as E
from .ops import front
from .ops import matmul as M
from .tensor_format import format_tensor
from .tensor_inplace import InplaceMethods
from .tensor_reduce import ReductionMethods
# cat/pad/split/stack and _shape_arg are imported from here by the package and nn.
from .tensor_shape import ShapeMethods, _shape_arg, cat, pad, split, stack  # noqa: F401

concatenate = cat


def _to_array(data, dtype):
    """Convert user data to an array: Python floats become float32, as in PyTorch."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray):
        arr = data if dtype is None else data.astype(dtype, copy=False)
    elif isinstance(data, np.generic):
        arr = np.asarray(data, dtype=dtype)
    else:
        try:
            arr = np.asarray(data, dtype=dtype)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"tensor(data): could not convert {type(data).__name__} to an "
                            f"array of numbers: {exc}") from None
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(np.float32)
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor(data): unsupported dtype {arr.dtype} (from {type(data).__name__}); "
            "expected a floating point, integer or boolean array")
    return arr


class Tensor(ReductionMethods, ShapeMethods, InplaceMethods):
    """An n-dimensional array with reverse-mode autodiff.

    The methods are grouped by kind: maths and autograd here, reductions in
    ``tensor_reduce``, shape ops and indexing in ``tensor_shape``, in-place
    updates in ``tensor_inplace``.

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
                 "_hooks", "__weakref__")
    # NumPy defers to our reflected operators (array + tensor -> Tensor).
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._name = name
        self._hooks = None
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
        return t

    # -- autograd attributes ---------------------------------------------------
    @property
    def requires_grad(self):
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

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place; returns ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors the user made (no ``grad_fn``); their ``.grad`` is filled."""
        return self.grad_fn is None

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value
        if self.grad_fn is not None:
            names = self.grad_fn.output_names
            if names is None:
                names = self.grad_fn.output_names = [None] * len(self.grad_fn.output_meta)
            names[self._output_nr] = value

    def backward(self, gradient=None, retain_graph=False, create_graph=False):
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
            gradient = Tensor._make(np.ones(self.shape, dtype=self.dtype), False, None, 0)
        else:
            gradient = _check_root_gradient(gradient, self, "backward()")
        engine.run_backward([self], [gradient], retain_graph=retain_graph or create_graph,
                            create_graph=create_graph)

    def retain_grad(self):
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

    def register_hook(self, hook):
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

    def detach(self):
        """A new leaf sharing this tensor's data, cut out of the graph."""
        return Tensor._make(self.data, False, None, 0)

    def detach_(self):
        """Cut this tensor out of the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- array attributes ------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        return format_tensor(self)

    def _repr_svg_(self):
        """Jupyter: the graph that produced this tensor, its nearest ops only when it is
        big (None for a leaf or without Graphviz's ``dot``)."""
        from .viz import tensor_svg

        return tensor_svg(self)

    # -- dtype conversion --------------------------------------------------------
    def astype(self, dtype):
        """Convert to ``dtype`` (differentiable between float types)."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        return E.Cast.apply(self, dtype)

    def to(self, dtype_or_device):
        """``t.to(np.float64)`` converts; ``t.to("cpu")`` is ``t`` (everything lives on the CPU)."""
        if isinstance(dtype_or_device, str) and dtype_or_device.split(":")[0] == "cpu":
            return self
        return self.astype(dtype_or_device)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def clone(self):
        """A differentiable copy in new memory."""
        return E.Clone.apply(self)

    # -- arithmetic --------------------------------------------------------------
    def __add__(self, other):
        return _binary(E.Add, self, other)

    def __radd__(self, other):
        return _binary(E.Add, self, other, reflected=True)

    def __sub__(self, other):
        return _binary(E.Sub, self, other)

    def __rsub__(self, other):
        return _binary(E.Sub, self, other, reflected=True)

    def __mul__(self, other):
        return _binary(E.Mul, self, other)

    def __rmul__(self, other):
        return _binary(E.Mul, self, other, reflected=True)

    def __truediv__(self, other):
        return _binary(E.Div, self, other)

    def __rtruediv__(self, other):
        return _binary(E.Div, self, other, reflected=True)

    def __pow__(self, other):
        return _binary(E.Pow, self, other)

    def __rpow__(self, other):
        return _binary(E.Pow, self, other, reflected=True)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return E.Abs.apply(self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    matmul = __matmul__
    neg = __neg__

    def exp(self):
        return E.Exp.apply(_floating(self))

    def log(self):
        return E.Log.apply(_floating(self))

    def sqrt(self):
        return E.Sqrt.apply(_floating(self))

    def abs(self):
        return E.Abs.apply(self)

    def sin(self):
        return E.Sin.apply(_floating(self))

    def cos(self):
        return E.Cos.apply(_floating(self))

    def tanh(self):
        return E.Tanh.apply(_floating(self))

    def sigmoid(self):
        return E.Sigmoid.apply(_floating(self))

    def relu(self):
        return E.ReLU.apply(self)

    def square(self):
        return E.Mul.apply(self, self)

    def clamp(self, min=None, max=None):
        """Limit values to [min, max]; the gradient is 0 outside, as PyTorch."""
        if min is None and max is None:
            raise ValueError("clamp(): at least one of min and max must be given")
        # Tensor bounds act as constants (no gradient flows into them).
        lo = min.data if isinstance(min, Tensor) else min
        hi = max.data if isinstance(max, Tensor) else max
        return E.Clamp.apply(self, lo=lo, hi=hi)

    clip = clamp

    def maximum(self, other):
        return _binary(E.Maximum, self, other)

    def minimum(self, other):
        return _binary(E.Minimum, self, other)

    # -- comparisons: boolean tensors, outside the graph ---------------------------
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._make(np.asarray(op(self.data, other)), False, None, 0)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def any(self):
        return bool(self.data.any())

    def all(self):
        return bool(self.data.all())


autograd._bind_tensor(Tensor)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _floating(t):
    """``t`` itself if it is floating point, else converted to float32 (PyTorch's
    default dtype) for the maths functions NumPy would compute in float64."""
    if t.data.dtype.kind == "f":
        return t
    return Tensor._make(t.data.astype(np.float32), False, None, 0)


def as_operand(x, like):
    """``x`` as a Tensor to combine with the Tensor ``like`` (a constant unless it is one).

    Numbers (Python's and NumPy's scalars) are "weak", as in PyTorch: they take
    ``like``'s dtype when they fit its kind, so ``x * 2.0`` stays float32 and
    ``n * 2`` stays int; a float with an integer tensor gives float32 (PyTorch's
    default dtype). Arrays keep their own dtype.
    """
    if isinstance(x, Tensor):
        return x
    return Tensor._make(_operand_array(x, like), False, None, 0)


def _operand_array(x, like):
    """The array ``as_operand`` wraps (op arguments may be plain arrays: constants)."""
    if isinstance(x, _SCALARS):
        dtype = like.data.dtype
        kind = dtype.kind
        if kind == "f":
            return np.asarray(x, dtype=dtype)
        if isinstance(x, _FLOATS):
            return np.asarray(x, dtype=np.float32)
        if kind != "b" and not isinstance(x, _BOOLS):
            return np.asarray(x, dtype=dtype)
        return np.asarray(x)
    if isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"complex numbers are not supported (got {x!r})")
    arr = x if isinstance(x, np.ndarray) else _to_array(x, None)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"unsupported operand of dtype {arr.dtype}; expected numbers")
    return arr


_FLOATS = (float, np.floating)
_BOOLS = (bool, np.bool_)
_SCALARS = (int, float, np.integer, np.floating, np.bool_)


def _binary(fn, t, other, reflected=False):
    """``t (op) other`` (``other (op) t`` if reflected) after PyTorch's type promotion.

    Same-kind operands follow NumPy (float32 with float64 gives float64); an
    integer or boolean operand meeting a float one takes the float's dtype
    (NumPy would make int64 * float32 float64); true division of integers
    gives float32. A non-Tensor operand enters the op as a plain array: a
    constant, with no node of its own.
    """
    if isinstance(other, Tensor):
        d_other = other.data.dtype
        record = other._requires_grad
    else:
        other = _operand_array(other, t)
        d_other = other.dtype
        record = False
    record = _grad_state.grad_enabled and (record or t._requires_grad)
    d_t = t.data.dtype
    if d_t is not d_other or (fn is E.Div and d_t.kind != "f"):
        if reflected:
            other, t = _promote(other, t, d_other, d_t, fn is E.Div)
        else:
            t, other = _promote(t, other, d_t, d_other, fn is E.Div)
    a, b = (other, t) if reflected else (t, other)
    if not record:
        # Nothing to record (no_grad, or every backward pass without create_graph,
        # whose gradient formulas are such ops): the NumPy ufunc directly, with no
        # node; 3x less Python work per op than Function.apply.
        ufunc = _UFUNCS.get(fn)
        if ufunc is not None:
            r = ufunc(a.data if isinstance(a, Tensor) else a,
                      b.data if isinstance(b, Tensor) else b)
            return Tensor._make(r if r.__class__ is np.ndarray else np.asarray(r), False, None, 0)
    return fn.apply(a, b)


# The forward of each of these Functions is exactly this ufunc.
_UFUNCS = {E.Add: np.add, E.Sub: np.subtract, E.Mul: np.multiply, E.Div: np.true_divide,
           E.Pow: np.power, E.Maximum: np.maximum, E.Minimum: np.minimum}


def _promote(a, b, da, db, true_divide, cast_bool=False):
    float_a, float_b = da.kind == "f", db.kind == "f"
    # A boolean operand (ReLU's mask, a comparison) meeting a float one is left
    # as it is: NumPy's loop converts it on the fly to exactly the float's dtype,
    # so an astype would only add a full-size temporary. (Not for matmul, whose
    # BLAS path needs both operands in one dtype.)
    if float_a and not float_b:
        if cast_bool or db.kind != "b":
            b = _cast_constant(b, da)
        elif isinstance(b, Tensor):
            b = b.data
    elif float_b and not float_a:
        if cast_bool or da.kind != "b":
            a = _cast_constant(a, db)
        elif isinstance(a, Tensor):
            a = a.data
    elif true_divide and not float_a:
        a, b = _cast_constant(a, np.float32), _cast_constant(b, np.float32)
    return a, b


def _constant(arr):
    return Tensor._make(arr, False, None, 0)


def _cast_constant(x, dtype):
    # Only integer and boolean operands are converted, and those never require grad.
    return (x.data if isinstance(x, Tensor) else x).astype(dtype)


def _check_root_gradient(gradient, output, where):
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=output.dtype))
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"{where}: gradient has shape {gradient.shape} but the output has shape "
            f"{output.shape}; they must match")
    if gradient.requires_grad:
        return gradient if gradient.dtype == output.dtype else gradient.astype(output.dtype)
    # Copy: the user's array must never become (part of) a leaf's .grad.
    return Tensor._make(gradient.data.astype(output.dtype, copy=True), False, None, 0)


# -- functions on tensors -------------------------------------------------------------

def matmul(a, b):
    """Matrix product with NumPy's rules for 1-D and batched operands."""
    if isinstance(b, Tensor):
        a = as_operand(a, b)
    else:
        a = _as_tensor(a)
        b = as_operand(b, a)
    M.check_matmul_shapes(a.shape, b.shape)
    if a.dtype.kind != b.dtype.kind:
        a, b = (x if isinstance(x, Tensor) else _constant(x)
                for x in _promote(a, b, a.dtype, b.dtype, False, cast_bool=True))
    squeeze_first = a.ndim == 1
    squeeze_last = b.ndim == 1
    if squeeze_first:
        a = a.reshape(1, a.shape[0])
    if squeeze_last:
        b = b.reshape(b.shape[0], 1)
    out = M.MatMul.apply(a, b)
    if squeeze_first and squeeze_last:
        return out.reshape(())
    if squeeze_first:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if squeeze_last:
        return out.reshape(out.shape[:-1])
    return out


def where(cond, a, b):
    """``a`` where ``cond`` is true, else ``b``; the three broadcast together."""
    return E.where(cond, a, b)


def maximum(a, b):
    """Elementwise maximum; at ties the gradient is split evenly, as in PyTorch."""
    if isinstance(a, Tensor):
        return _binary(E.Maximum, a, b)
    return _binary(E.Maximum, _as_tensor(b), a, reflected=True)


def minimum(a, b):
    """Elementwise minimum; at ties the gradient is split evenly, as in PyTorch."""
    if isinstance(a, Tensor):
        return _binary(E.Minimum, a, b)
    return _binary(E.Minimum, _as_tensor(b), a, reflected=True)


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


# The ops modules' front functions become Tensor methods (registered with
# ops.front.tensor_method); they reach the type promotion above through attach.
front.attach(Tensor, as_operand, _binary)
