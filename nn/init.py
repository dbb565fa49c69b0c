"""Weight initialisation (``nn.init``), as PyTorch names it, with the book's rules.

Chapter 6.2 of the book shows why the scale of the initial weights matters:
with std 1 sigmoid activations saturate at 0 and 1, with std 0.01 they all
collapse to 0.5. Its two remedies, for a layer with ``n`` input nodes:

* **Xavier** (sigmoid, tanh): std ``1 / sqrt(n)``. Glorot and Bengio's paper,
  and PyTorch's :func:`xavier_normal_`, use ``sqrt(2 / (fan_in + fan_out))``;
  the book's simplified form is ``kaiming_normal_(t, nonlinearity="linear")``.
* **He** (ReLU): std ``sqrt(2 / n)``, i.e. ``kaiming_normal_(t, nonlinearity="relu")``.

Every function fills ``tensor.data`` in place (without recording a graph),
keeps its dtype, draws from ``tinygrad_book.random.default_generator()``, and
returns the tensor.
"""
import math

import numpy as np

from .. import checks
from ..grad_mode import no_grad
from ..random import default_generator
from ..tensor import Tensor

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
               "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through ``nonlinearity``.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2) (the book's He factor);
    leaky_relu: sqrt(2 / (1 + negative_slope**2)) (slope ``param``, default 0.01);
    selu: 3/4.
    """
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool) and \
                math.isfinite(param):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one "
                     f"of {', '.join(_LINEAR_FNS + ('tanh', 'relu', 'leaky_relu', 'selu'))}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: ``(out, in)`` for Linear, ``(out, in, kh, kw)`` for conv.

    For a conv weight each input "node" of the book is one of ``in * kh * kw``
    values a filter sees, so fan_in = in * kh * kw.
    """
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {tuple(shape)})")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values, fn):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: expected a Tensor or Parameter, got {type(tensor).__name__}")
    if tensor.data.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point tensor, got dtype {tensor.data.dtype}")
    with no_grad():
        if tensor.data.flags.writeable:
            np.copyto(tensor.data, values, casting="unsafe")
        else:
            tensor.data = np.array(np.broadcast_to(values, tensor.shape), dtype=tensor.dtype)
    tensor._bump_version()  # an in-place change: a graph that saved the tensor must notice
    return tensor


def _positive(value, name, fn):
    if not value > 0:
        raise ValueError(f"{fn}: {name} must be positive, got {value}")


def _finite(value, name, fn):
    checks.number(value, name, fn)
    if not math.isfinite(value):
        raise ValueError(f"{fn}: {name} must be a finite number, got {value}")


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with values drawn uniformly from [a, b)."""
    checks.number(a, "a", "uniform_")
    checks.number(b, "b", "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _fill(tensor, default_generator().uniform(a, b, size=tensor.shape), "uniform_")


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with N(mean, std²) samples: the book's ``std * np.random.randn(...)`` when mean=0."""
    checks.number(mean, "mean", "normal_")
    checks.number(std, "std", "normal_")
    if not std >= 0:  # NaN fails too
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _fill(tensor, default_generator().normal(mean, std, size=tensor.shape), "normal_")


def constant_(tensor, val):
    return _fill(tensor, val, "constant_")


def zeros_(tensor):
    """Fill with 0 (the book's biases; never all weights — chapter 6.2.1 shows why)."""
    return _fill(tensor, 0, "zeros_")


def ones_(tensor):
    return _fill(tensor, 1, "ones_")


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).

    Its std is gain * sqrt(2 / (fan_in + fan_out)); the book's Xavier rule,
    std 1 / sqrt(n) over the n input nodes, is ``kaiming_uniform_(t, nonlinearity="linear")``.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    _positive(fan_in + fan_out, "fan_in + fan_out", "xavier_uniform_")
    _finite(gain, "gain", "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, default_generator().uniform(-bound, bound, size=tensor.shape),
                 "xavier_uniform_")


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out)).

    The book (chapter 6.2.2) simplifies Xavier to std = 1 / sqrt(n), n the number
    of nodes in the previous layer; that is ``kaiming_normal_(t, nonlinearity="linear")``.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    _positive(fan_in + fan_out, "fan_in + fan_out", "xavier_normal_")
    _finite(gain, "gain", "xavier_normal_")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, default_generator().normal(0.0, std, size=tensor.shape),
                 "xavier_normal_")


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-b, b), b = gain * sqrt(3 / fan), gain = ``calculate_gain(nonlinearity, a)``.

    PyTorch's Linear and Conv2d default is ``kaiming_uniform_(w, a=sqrt(5))``,
    i.e. b = 1 / sqrt(fan_in).
    """
    fan = _calculate_correct_fan(tensor, mode)
    _positive(fan, mode, "kaiming_uniform_")
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, default_generator().uniform(-bound, bound, size=tensor.shape),
                 "kaiming_uniform_")


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, std²) with std = gain / sqrt(fan).

    With ``nonlinearity="relu"`` this is the book's He initialisation,
    std = sqrt(2 / n) (chapter 6.2.3); with ``"linear"`` or ``"sigmoid"`` it is
    the book's Xavier, std = 1 / sqrt(n).
    """
    fan = _calculate_correct_fan(tensor, mode)
    _positive(fan, mode, "kaiming_normal_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, default_generator().normal(0.0, std, size=tensor.shape),
                 "kaiming_normal_")
