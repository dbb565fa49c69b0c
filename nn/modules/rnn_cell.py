"""One time step of the recurrent layers, and the cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

Each step is a handful of graph ops (two matrix products, the gate
nonlinearities), so backpropagation through time is the engine's ordinary
backward over the unrolled steps — no hand-written BPTT. Gate layouts and
parameter names are PyTorch's, so torch weights load one-to-one:

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                  (or relu)
    LSTM: i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh), in that order
          c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
    GRU:  r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
          n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 - z) ⊙ n + z ⊙ h
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional.recurrent import lstm_gates
from . import _checks
from .module import Module, Parameter

if TYPE_CHECKING:
    from tinygrad_book._typing import DTypeLike

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def rnn_step(mode, gi, state, w_hh, b_hh):
    """The new state from ``gi`` = W_ih x + b_ih (precomputed) and the old ``state``
    (h, or (h, c) for LSTM); returns the new state in the same form."""
    h = state[0] if mode == "LSTM" else state
    gh = F.linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return (gi + gh).tanh()
    if mode == "RNN_RELU":
        return (gi + gh).relu()
    if mode == "LSTM":
        # One fused op for the gates: 2x faster than composing them (nn.functional.recurrent).
        return lstm_gates(gi + gh, state[1])
    hs = h.shape[-1]
    rz = (gi[..., :2 * hs] + gh[..., :2 * hs]).sigmoid()
    r, z = rz[..., :hs], rz[..., hs:]
    n = (gi[..., 2 * hs:] + r * gh[..., 2 * hs:]).tanh()
    return n + z * (h - n)    # (1 - z) n + z h with one op fewer


def init_recurrent(module, hidden_size):
    """PyTorch's initialisation of every recurrent weight and bias: U(±1/√hidden_size)."""
    bound = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class _Cell(Module):
    """Shared set-up of the cells: ``weight_ih`` (G·H, in), ``weight_hh`` (G·H, H) and
    the biases ``bias_ih``, ``bias_hh`` (G·H,), G the number of gates."""

    _mode: str   # the GATES key, set by each cell

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = checks.integer(input_size, "input_size", name, minimum=1)
        self.hidden_size = checks.integer(hidden_size, "hidden_size", name, minimum=1)
        self.bias = bool(bias)
        dtype = _checks.float_dtype(dtype, name)
        g = GATES[self._mode] * self.hidden_size
        self.weight_ih = Parameter(np.empty((g, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((g, self.hidden_size), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(np.empty(g, dtype=dtype))
            self.bias_hh = Parameter(np.empty(g, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        init_recurrent(self, self.hidden_size)

    def _prepare(self, input, hx):
        name = type(self).__name__
        if not isinstance(input, Tensor):
            input = Tensor(input)
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {input.shape}")
        batched = input.ndim == 2
        if not batched:
            input = input.reshape(1, -1)
        shape = (input.shape[0], self.hidden_size)
        states = hx if isinstance(hx, tuple) else (hx,)
        made = []
        for s in states:
            if s is None:
                s = Tensor(np.zeros(shape, dtype=input.dtype))
            elif not isinstance(s, Tensor):
                s = Tensor(s)
            if not batched:
                s = s.reshape(1, -1)
            if s.shape != shape:
                raise ValueError(f"{name}: expected hidden state of shape {shape}, got "
                                 f"{s.shape}")
            made.append(s)
        return input, made, batched

    def _run(self, input, hx):
        input, states, batched = self._prepare(input, hx)
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        state = tuple(states) if self._mode == "LSTM" else states[0]
        out = rnn_step(self._mode, gi, state, self.weight_hh, self.bias_hh)
        if batched:
            return out
        return tuple(o.reshape(-1) for o in out) if isinstance(out, tuple) else out.reshape(-1)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s


class RNNCell(_Cell):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (``nonlinearity='relu'``: relu).

    Shapes: input ``(N, input_size)`` or ``(input_size,)``; ``hx`` like it with
    ``hidden_size`` (zeros if omitted); returns h'.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", dtype: DTypeLike | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, hx)


class LSTMCell(_Cell):
    """One LSTM step: ``(h', c') = cell(x, (h, c))``; (h, c) default to zeros."""

    _mode = "LSTM"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, (None, None) if hx is None else tuple(hx))


class GRUCell(_Cell):
    """One GRU step: ``h' = cell(x, h)``; h defaults to zeros."""

    _mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, hx)
