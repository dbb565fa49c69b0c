"""Elementwise ops: arithmetic, the unary maths functions and activations.

Each Function keeps its forward and its local derivative side by side, so the
chain rule of the book's chapter 5 is visible: backward multiplies the
incoming gradient ``g`` by the op's derivative. Broadcasting is undone by the
engine, which sums each gradient back to its input's shape.
"""
import numpy as np

from ..autograd import Function


class Add(Function):
    """z = a + b;  dz/da = 1, dz/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """z = a - b;  dz/da = 1, dz/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = a * b;  dz/da = b, dz/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if ctx.needs_input_grad[0] else None,
                g * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """z = a ** b;  dz/da = b a^(b-1) (0 where b = 0), dz/db = z ln a (0 where a = 0 and b >= 0).

    At a = 0, z ln a is 0·(-inf) for b > 0 and inf·(-inf) = -inf for b < 0: PyTorch's values,
    the limits as a → 0+.
    """

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            both_zero = b.data == 0
            if both_zero.any():
                both_zero = both_zero & (a.data == 0)
            if both_zero.any():
                # a^0 is constant, but at a = 0 the formula gives 0 * 0^-1 = nan; PyTorch
                # gives 0. The exponent 1 there only keeps 0^-1 from being computed.
                safe_b = where(both_zero, ones_like_const(b), b)
                ga = where(both_zero, zeros_like_const(g), g * b * a ** (safe_b - 1))
            else:
                ga = g * b * a ** (b - 1)
        if ctx.needs_input_grad[1]:
            # ln a is -inf at a = 0: z ln a is taken as 0 there for b >= 0 (its limit for
            # b > 0, PyTorch's value at b = 0); for b < 0 it stays inf·(-inf) = -inf.
            zero = (a.data == 0) & (b.data >= 0)
            with np.errstate(divide="ignore"):  # ln 0 = -inf where b < 0, as intended
                if zero.any():
                    safe_a = where(zero, ones_like_const(a), a)
                    gb = where(zero, zeros_like_const(out), g * out * safe_a.log())
                else:
                    gb = g * out * a.log()
        return ga, gb


class Neg(Function):
    """z = -a."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    """z = e^a;  dz/da = z."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    """z = ln a;  dz/da = 1/a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    """z = √a;  dz/da = 1/(2z)."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2)


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


class Sin(Function):
    """z = sin a;  dz/da = cos a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.cos()


class Cos(Function):
    """z = cos a;  dz/da = -sin a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * a.sin()


class Tanh(Function):
    """z = tanh a;  dz/da = 1 - z²."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Function):
    """z = 1 / (1 + e^-a);  dz/da = z (1 - z)  (book eq. 5.12).

    Computed from e^-|a| so that neither branch overflows for |a| in the thousands.
    """

    @staticmethod
    def forward(ctx, a):
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class ReLU(Function):
    """z = max(0, a);  dz/da = 1 where a > 0, else 0  (book eq. 5.7)."""

    @staticmethod
    def forward(ctx, a):
        mask = a > 0
        ctx.save_for_backward(mask)
        # Not a select on the mask, which would turn NaN into 0: NaN passes, as in PyTorch.
        return np.maximum(a, a.dtype.type(0))

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask


class Clamp(Function):
    """z = min(max(a, lo), hi);  dz/da = 1 inside [lo, hi] (bounds included), else 0."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        ctx.save_for_backward(inside)
        return np.clip(a, lo, hi).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside


class Maximum(Function):
    """z = max(a, b) elementwise; at ties the gradient is split evenly, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        share_a = (a > b) + 0.5 * (a == b)
        ctx.save_for_backward(share_a.astype(np.result_type(a, b), copy=False))
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        (share_a,) = ctx.saved_tensors
        return g * share_a, g * (1 - share_a)


class Minimum(Function):
    """z = min(a, b) elementwise; at ties the gradient is split evenly, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        share_a = (a < b) + 0.5 * (a == b)
        ctx.save_for_backward(share_a.astype(np.result_type(a, b), copy=False))
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        (share_a,) = ctx.saved_tensors
        return g * share_a, g * (1 - share_a)


class Where(Function):
    """z = a where cond else b; the condition itself has no gradient."""

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = zeros_like_const(g)
        return (None,
                where(cond, g, zero) if ctx.needs_input_grad[1] else None,
                where(cond, zero, g) if ctx.needs_input_grad[2] else None)


class Cast(Function):
    """z = a converted to ``dtype``; the gradient is converted back."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.input_dtype), None


class Clone(Function):
    """z = a copied to new memory; dz/da = 1."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def where(cond, a, b):
    """``a`` where ``cond`` is true, else ``b`` (all three broadcast together).

    ``a`` and ``b`` follow the binary ops' type promotion, so Python numbers
    take the other operand's float dtype and two numbers give float32.
    """
    from ..tensor import Tensor, _promote, as_operand

    cond_arr = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    a, b = as_operand(a, like), as_operand(b, like)
    if a.data.dtype.kind != b.data.dtype.kind:
        a, b = _promote(a, b, a.data.dtype, b.data.dtype, False)
    return Where.apply(cond_arr, a, b)


def zeros_like_const(t):
    from ..tensor import Tensor

    return Tensor._make(np.zeros((), dtype=t.dtype), False, None, 0)


def ones_like_const(t):
    from ..tensor import Tensor

    return Tensor._make(np.ones((), dtype=t.dtype), False, None, 0)
