"""Activation functions (book sections 3.2 and 5.5) and softmax / log-softmax (section 3.5),
as ``torch.nn.functional`` names them.

The Functions (forward, derivative, backward) live in the core, in
``tinygrad_book/ops/activation.py``, with every other activation's; these
fronts check the input the way PyTorch does (a floating point Tensor, named in
the error) and take ``inplace=``, which is accepted and ignored: an op here
never overwrites its input, which the graph may still need.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from tinygrad_book.ops import activation as act

from ._utils import as_tensor, check_float

if TYPE_CHECKING:
    from tinygrad_book._typing import Dim, DTypeLike
    from tinygrad_book.tensor import Tensor


def float_input(input, fn):
    """``input`` as a Tensor, refused (naming ``fn``) unless it holds floats, as PyTorch."""
    input = as_tensor(input, fn)
    check_float(input, fn)
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x) (book eq. 3.7)."""
    return act.relu(float_input(input, "relu"))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x) (book eq. 3.6), stable for large |x|."""
    return act.sigmoid(float_input(input, "sigmoid"))


def logsigmoid(input: Tensor) -> Tensor:
    """log(1 / (1 + e^-x)), computed stably (as ``torch.nn.functional.logsigmoid``)."""
    return act.logsigmoid(float_input(input, "logsigmoid"))


def tanh(input: Tensor) -> Tensor:
    """(e^x - e^-x) / (e^x + e^-x)."""
    return act.tanh(float_input(input, "tanh"))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope``·x, as PyTorch."""
    return act.leaky_relu(float_input(input, "leaky_relu"), negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian Error Linear Unit, as ``torch.nn.functional.gelu``: x·Φ(x), or its tanh
    approximation with ``approximate='tanh'`` (see ``ops/activation.py``)."""
    return act.gelu(float_input(input, "gelu"), approximate)


def _implicit_dim(fn, input, dim):
    if dim is None:
        # PyTorch's legacy implicit choice, with its deprecation warning (pointing at the
        # caller of softmax/log_softmax).
        dim = 0 if input.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {fn} has been deprecated. Change the call "
                      "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return dim


def _softmax_input(fn, input, dtype):
    input = as_tensor(input, fn)
    if dtype is None:  # with a dtype the input is converted first, integers included
        check_float(input, fn)
    return input


def softmax(input: Tensor, dim: Dim = None, dtype: DTypeLike | None = None) -> Tensor:
    """Probabilities along ``dim``: exp(x) / Σ exp(x), shifted by the max so that
    e^1000 never overflows."""
    input = _softmax_input("softmax", input, dtype)
    return act.softmax(input, _implicit_dim("softmax", input, dim), dtype)


def log_softmax(input: Tensor, dim: Dim = None, dtype: DTypeLike | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - max - log Σ e^(x - max) (no log of 0)."""
    input = _softmax_input("log_softmax", input, dtype)
    return act.log_softmax(input, _implicit_dim("log_softmax", input, dim), dtype)
