"""What the front functions of the ops modules share: Tensor methods by registration,
argument checks for dims, and operands made Tensors.

The ops modules sit below ``tensor.py`` and never import it. A front function
is registered with ``@tensor_method()`` and ``tensor.py`` attaches every
registered function to ``Tensor`` once the class exists (``attach``); the
ops reach the Tensor type, and the type promotion of the binary operators,
through what ``attach`` was given.
"""
import numpy as np

from .. import autograd

_METHODS = {}
_promotion = {}


class DimensionError(IndexError, ValueError):
    """A dimension (``dim``/``axis``) out of range.

    Both an ``IndexError`` (what PyTorch raises) and a ``ValueError`` (as
    NumPy's ``AxisError`` is both), so code written for either catches it.
    """


def tensor_method(*names):
    """Register the decorated front function as the Tensor method(s) ``names``
    (default: its own name). The function's first argument is the tensor."""
    def register(fn):
        for name in names or (fn.__name__,):
            _METHODS[name] = fn
        return fn
    return register


def attach(cls, as_operand, binary):
    """Called by ``tensor.py``: set every registered method on ``cls`` and keep the
    operand conversion (``as_operand(x, like)``) and ``binary(Function, a, b)``."""
    for name, fn in _METHODS.items():
        setattr(cls, name, fn)
    _promotion["as_operand"] = as_operand
    _promotion["binary"] = binary


def is_tensor(x):
    return isinstance(x, autograd.Tensor)


def as_tensor(x):
    """``x`` itself if it is a Tensor, else a new constant Tensor of it."""
    return x if isinstance(x, autograd.Tensor) else autograd.Tensor(x)


def constant(arr):
    """A Tensor outside the graph around the array ``arr``."""
    return autograd._make(np.asarray(arr), False, None, 0)


def binary(fn, a, b):
    """``fn.apply(a, b)`` after the binary operators' type promotion (numbers are weak)."""
    if not isinstance(a, autograd.Tensor):
        b = as_tensor(b)
        return _promotion["binary"](fn, b, a, reflected=True)
    return _promotion["binary"](fn, a, b)


def pair(a, b):
    """``a`` and ``b`` as Tensors, numbers taking the other operand's dtype."""
    if not isinstance(a, autograd.Tensor):
        b = as_tensor(b)
        return _promotion["as_operand"](a, b), b
    return a, _promotion["as_operand"](b, a)


def float_pair(a, b):
    """``a`` and ``b`` as Tensors of one floating dtype (integers become float32)."""
    a, b = pair(a, b)
    kinds = (a.dtype.kind == "f", b.dtype.kind == "f")
    if all(kinds):
        dtype = np.result_type(a.dtype, b.dtype)
    elif any(kinds):
        dtype = a.dtype if kinds[0] else b.dtype
    else:
        dtype = np.dtype(np.float32)
    return to_dtype(a, dtype), to_dtype(b, dtype)


def floating(t):
    """``t`` if floating point, else its values as float32 (PyTorch's default dtype)."""
    return t if t.dtype.kind == "f" else constant(t.data.astype(np.float32))


def to_dtype(t, dtype):
    return t if t.dtype == dtype else t.astype(dtype)


def dim_arg(dim, ndim, op, name="dim"):
    """``dim`` as a non-negative int below ``ndim`` (a 0-d tensor accepts 0 and -1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {dim!r}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise DimensionError(f"{op}: {name} {dim} is out of range for a tensor of {ndim} "
                             f"dimensions (expected -{bound} <= {name} < {bound})")
    return int(dim) % bound


def dims_arg(dims, ndim, op, name="dim"):
    """An int or a sequence of ints as a tuple of distinct non-negative dims."""
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        dims = (dims,)
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {dims!r}")
    out = tuple(dim_arg(d, ndim, op, name) for d in dims)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: {name} {tuple(dims)} repeats a dimension")
    return out


def pick(dim, axis, default=None):
    """PyTorch's ``dim`` and NumPy's ``axis`` name the same thing; ``dim`` wins."""
    if dim is not None:
        return dim
    return default if axis is None else axis


def keep(keepdim, keepdims):
    """``keepdim`` (PyTorch) or ``keepdims`` (NumPy), whichever is given."""
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def int_arg(value, op, name, low=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{op}: {name} must be >= {low}, got {value}")
    return int(value)


def index_tensor(index, op, name="index"):
    """An integer index array from a Tensor, array or list (bool is refused)."""
    arr = index.data if isinstance(index, autograd.Tensor) else np.asarray(index)
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must hold integers, got dtype {arr.dtype}")
    return arr
