"""Arithmetic: + - * / ** and unary minus, abs, elementwise maximum and minimum.

Each Function keeps its forward and its local derivative side by side, so the
chain rule of the book's chapter 5 is visible: the forward is the NumPy ufunc
it names (``ufunc = np.multiply``), and its derivative formula (``grads``, or
``backward``) multiplies the incoming gradient ``g`` by the op's derivative.
Broadcasting is undone by the engine, which sums each gradient back to its
input's shape. After each Function come the Tensor methods that front it
(``a + b`` is ``add``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import registry
from ..autograd import Function
from ..grad_mode import _State as _grad_state
from ..grad_mode import threads_off as _threads_off
from ..registry import tensor_method
from .operands import as_tensor, operand_array, promote
from .select import where

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike
    from tinygrad_book.tensor import Tensor


def binary(fn, t, other, reflected=False):
    """``t (op) other`` (``other (op) t`` if reflected) after PyTorch's type promotion.

    Same-kind operands follow NumPy (float32 with float64 gives float64); an
    integer or boolean operand meeting a float one takes the float's dtype
    (NumPy would make int64 * float32 float64); true division of integers
    gives float32. A non-Tensor operand enters the op as a plain array: a
    constant, with no node of its own.
    """
    if isinstance(other, registry.Tensor):
        d_other = other.data.dtype
        record = other._requires_grad
    else:
        other = operand_array(other, t)
        d_other = other.dtype
        record = False
    record = (record or t._requires_grad) and (
        not _threads_off or _grad_state.grad_enabled)
    d_t = t.data.dtype
    if d_t is not d_other or (fn is Div and d_t.kind != "f"):
        if reflected:
            other, t = promote(other, t, d_other, d_t, fn is Div)
        else:
            t, other = promote(t, other, d_t, d_other, fn is Div)
    a, b = (other, t) if reflected else (t, other)
    try:
        if not record:
            # Nothing to record (no_grad, or every backward pass without create_graph,
            # whose gradient formulas are such ops): the NumPy ufunc directly, with no
            # node; 3x less Python work per op than Function.apply.
            r = fn.ufunc(a.data if isinstance(a, registry.Tensor) else a,
                         b.data if isinstance(b, registry.Tensor) else b)
            return registry.constant(r if r.__class__ is np.ndarray else np.asarray(r))
        return fn.apply(a, b)
    except ValueError:
        _check_broadcast(fn, a, b)
        raise


def _operator(fn, symbol, reflected=False):
    """The front of an arithmetic operator (and, registered, the Tensor method): ``self (op)
    other``, or ``other (op) self`` for the reflected one (``2 - t`` calls ``t.__rsub__(2)``),
    after the binary operators' type promotion."""
    def front(self: Tensor, other: Tensor | ArrayLike) -> Tensor:
        return binary(fn, self, other, reflected)
    front.__doc__ = (f"``other {symbol} self`` (the reflected operator)" if reflected else
                     f"``self {symbol} other``, broadcast, with PyTorch's type promotion")
    return front


def _check_broadcast(fn, a, b):
    """After NumPy refused ``a (op) b``: say which shapes did not broadcast (a ValueError
    naming both, as for every shape mismatch)."""
    sa, sb = np.shape(a.data if isinstance(a, registry.Tensor) else a), \
        np.shape(b.data if isinstance(b, registry.Tensor) else b)
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(f"{fn.__name__.lower()}: the shapes {sa} and {sb} do not broadcast "
                         "together (each dimension must be equal, or 1 in one of them)"
                         ) from None


def _scalar(value, like):
    """A 0-d constant of ``like``'s dtype (broadcasts against anything)."""
    return registry.constant(np.asarray(value, dtype=like.dtype))


class UfuncFunction(Function):
    """A Function of two inputs whose forward is exactly the NumPy ufunc ``ufunc``: what
    ``binary`` calls directly when nothing is recorded. It saves nothing for backward."""

    ufunc: np.ufunc

    # These methods run once per op, so they are static methods that read the op's ufunc
    # and formula from ctx.fn, the node's Function: a classmethod is bound anew at each call.
    @staticmethod
    def forward(ctx, a, b):
        return ctx.fn.ufunc(a, b)


class SavesInputs(UfuncFunction):
    """A ``UfuncFunction`` whose derivative reads its inputs: ``a, b`` are saved.

    The derivative is written once, as ``grads(needs, g, a, b)``: the gradients for ``a``
    and ``b`` (``None`` where ``needs``, the ctx's ``needs_input_grad``, says none is
    wanted). It serves as ``backward`` on the saved Tensors (so ``create_graph=True``
    records it) and as ``array_backward`` on the saved arrays.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.fn.ufunc(a, b)

    @staticmethod
    def grads(needs, g, a, b):
        raise NotImplementedError

    # The saved pair is unpacked here rather than passed on as *saved: a call with fixed
    # arguments is several times cheaper, and Mul's backward runs once per node.
    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return ctx.fn.grads(ctx.needs_input_grad, g, a, b)

    @staticmethod
    def array_backward(ctx, g):
        a, b = ctx.saved_arrays
        return ctx.fn.grads(ctx.needs_input_grad, g, a, b)


class SavesOutput(UfuncFunction):
    """A ``UfuncFunction`` whose derivative reads its inputs and its output: ``a, b, z``
    are saved, and the formula is ``grads(needs, g, a, b, z)`` (as in ``SavesInputs``).

    It serves as ``backward`` only, as Pow's and LogAddExp's use Tensor methods (``log``,
    ``exp``, ``where``): without create_graph, the engine runs it on the arrays wrapped as
    constants."""

    @staticmethod
    def forward(ctx, a, b):
        out = ctx.fn.ufunc(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def grads(needs, g, a, b, out):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, g):
        return ctx.fn.grads(ctx.needs_input_grad, g, *ctx.saved_tensors)


def _operators(fn, symbol, name, plain=True):
    """The fronts of ``self (op) other`` and of the reflected ``other (op) self``,
    registered as ``Tensor.__<name>__`` and ``Tensor.__r<name>__`` (and as the plain
    method ``Tensor.<name>`` too if ``plain``)."""
    names = (f"__{name}__", name) if plain else (f"__{name}__",)
    return (tensor_method(*names)(_operator(fn, symbol)),
            tensor_method(f"__r{name}__")(_operator(fn, symbol, reflected=True)))


class Add(UfuncFunction):
    """z = a + b;  dz/da = 1, dz/db = 1."""

    ufunc = np.add

    @staticmethod
    def backward(ctx, g):
        return g, g

    array_backward = backward  # the same lines serve arrays and Tensors


add, radd = _operators(Add, "+", "add")


class Sub(UfuncFunction):
    """z = a - b;  dz/da = 1, dz/db = -1."""

    ufunc = np.subtract

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)

    array_backward = backward  # the same lines serve arrays and Tensors


sub, rsub = _operators(Sub, "-", "sub")


class Mul(SavesInputs):
    """z = a * b;  dz/da = b, dz/db = a."""

    ufunc = np.multiply

    @staticmethod
    def grads(needs, g, a, b):
        return (g * b if needs[0] else None,
                g * a if needs[1] else None)


mul, rmul = _operators(Mul, "*", "mul")


class Div(SavesInputs):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b²."""

    ufunc = np.true_divide

    @staticmethod
    def grads(needs, g, a, b):
        ga = g / b if needs[0] else None
        gb = -g * a / (b * b) if needs[1] else None
        return ga, gb


# Tensor.div (with rounding_mode) is in rounding.py.
div, rdiv = _operators(Div, "/", "truediv", plain=False)


class Pow(SavesOutput):
    """z = a ** b;  dz/da = b a^(b-1) (0 where b = 0), dz/db = z ln a (0 where a = 0 and b >= 0).

    At a = 0, z ln a is 0·(-inf) for b > 0 and inf·(-inf) = -inf for b < 0: PyTorch's values,
    the limits as a → 0+.
    """

    ufunc = np.power

    @staticmethod
    def grads(needs, g, a, b, out):
        ga = gb = None
        if needs[0]:
            both_zero = b.data == 0
            if both_zero.any():
                both_zero = both_zero & (a.data == 0)
            if both_zero.any():
                # a^0 is constant, but at a = 0 the formula gives 0 * 0^-1 = nan; PyTorch
                # gives 0. The exponent 1 there only keeps 0^-1 from being computed.
                safe_b = where(both_zero, _scalar(1, b), b)
                ga = where(both_zero, _scalar(0, g), g * b * a ** (safe_b - 1))
            else:
                ga = g * b * a ** (b - 1)
        if needs[1]:
            # ln a is -inf at a = 0: z ln a is taken as 0 there for b >= 0 (its limit for
            # b > 0, PyTorch's value at b = 0); for b < 0 it stays inf·(-inf) = -inf.
            zero = (a.data == 0) & (b.data >= 0)
            with np.errstate(divide="ignore"):  # ln 0 = -inf where b < 0, as intended
                if zero.any():
                    safe_a = where(zero, _scalar(1, a), a)
                    gb = where(zero, _scalar(0, out), g * out * safe_a.log())
                else:
                    gb = g * out * a.log()
        return ga, gb


pow, rpow = _operators(Pow, "**", "pow")


class Neg(Function):
    """z = -a."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g

    array_backward = backward  # the same lines serve arrays and Tensors


@tensor_method("__neg__", "neg")
def neg(self: Tensor) -> Tensor:
    return Neg.apply(self)


@tensor_method("__pos__")
def pos(self: Tensor) -> Tensor:
    return self


class Abs(Function):
    """z = |a|;  dz/da = sign(a) (0 at a = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(np.sign(a))
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (sign,) = ctx.saved_tensors
        return g * sign


@tensor_method("__abs__", "abs")
def abs(self: Tensor) -> Tensor:
    return Abs.apply(self)


class _Extreme(Function):
    """z = max(a, b) or min(a, b) elementwise;  dz/da = 1 where a wins, dz/db = 1 where b
    does, and ½ each at ties, as in PyTorch."""

    ufunc: np.ufunc   # np.maximum or np.minimum; forward is exactly this ufunc
    wins: np.ufunc    # np.greater or np.less: where a is the one taken

    @classmethod
    def forward(cls, ctx, a, b):
        share_a = cls.wins(a, b) + 0.5 * (a == b)
        ctx.save_for_backward(share_a.astype(np.result_type(a, b), copy=False))
        return cls.ufunc(a, b)

    @staticmethod
    def backward(ctx, g):
        (share_a,) = ctx.saved_tensors
        return g * share_a, g * (1 - share_a)


class Maximum(_Extreme):
    """z = max(a, b) elementwise; at ties the gradient is split evenly, as PyTorch."""

    ufunc, wins = np.maximum, np.greater


class Minimum(_Extreme):
    """z = min(a, b) elementwise; at ties the gradient is split evenly, as PyTorch."""

    ufunc, wins = np.minimum, np.less


def _extreme(fn, doc):
    """The front of ``maximum``/``minimum``: either argument may be the Tensor."""
    def front(a: Tensor, b: Tensor) -> Tensor:
        if isinstance(a, registry.Tensor):
            return binary(fn, a, b)
        return binary(fn, as_tensor(b), a, reflected=True)
    front.__doc__ = doc
    return front


maximum = tensor_method("maximum")(_extreme(
    Maximum, "Elementwise maximum; at ties the gradient is split evenly, as in PyTorch."))
minimum = tensor_method("minimum")(_extreme(
    Minimum, "Elementwise minimum; at ties the gradient is split evenly, as in PyTorch."))
