"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU``: stacked, optionally bidirectional.

The book's chapter 8 points at recurrent networks for sequences; these follow
PyTorch's ``torch.nn.RNN/LSTM/GRU`` argument for argument, with its parameter
names (``weight_ih_l0``, ``weight_hh_l1_reverse``, ...) and output shapes, so
a torch state dict loads one-to-one. Each step is graph ops (see
:func:`rnn_step`); the input projection W_ih x is one product for all steps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from ...tensor import Tensor, cat, stack
from .. import functional as F
from . import _checks
from .module import Module, Parameter
from .rnn_cell import GATES, init_recurrent, rnn_step

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book._typing import DTypeLike


class RNNBase(Module):
    """Shared machinery; use :class:`RNN`, :class:`LSTM` or :class:`GRU`.

    Shapes (L steps, N sequences, D = 2 if bidirectional else 1):
      input ``(L, N, input_size)`` (``(N, L, input_size)`` if ``batch_first``)
      or unbatched ``(L, input_size)``; initial state ``(D·num_layers, N, hidden_size)``
      (zeros if omitted; never batch-first), for LSTM a pair ``(h_0, c_0)``.
      Returns ``output`` ``(L, N, D·hidden_size)`` — the last layer's h at every
      step — and the final state ``h_n`` (``(h_n, c_n)`` for LSTM) shaped as the initial.

    ``dropout`` is applied to every layer's output but the last, in training.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = checks.integer(input_size, "input_size", name, minimum=1)
        self.hidden_size = checks.integer(hidden_size, "hidden_size", name, minimum=1)
        self.num_layers = checks.integer(num_layers, "num_layers", name, minimum=1)
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout = checks.probability(dropout, "dropout", name)
        self.bidirectional = bool(bidirectional)
        dtype = _checks.float_dtype(dtype, name)
        g = GATES[mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                self.register_parameter(f"weight_ih_l{layer}{suffix}",
                                        Parameter(np.empty((g, width), dtype=dtype)))
                self.register_parameter(f"weight_hh_l{layer}{suffix}",
                                        Parameter(np.empty((g, self.hidden_size), dtype=dtype)))
                if self.bias:
                    self.register_parameter(f"bias_ih_l{layer}{suffix}",
                                            Parameter(np.empty(g, dtype=dtype)))
                    self.register_parameter(f"bias_hh_l{layer}{suffix}",
                                            Parameter(np.empty(g, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_recurrent(self, self.hidden_size)

    def _weights(self, layer: int, suffix: str
                 ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        p = self._parameters
        key = f"l{layer}{suffix}"
        w_ih, w_hh = p[f"weight_ih_{key}"], p[f"weight_hh_{key}"]
        if w_ih is None or w_hh is None:
            raise RuntimeError(f"{type(self).__name__}: weight_ih_{key} and weight_hh_{key} "
                               "must be Parameters, not None")
        return w_ih, w_hh, p.get(f"bias_ih_{key}"), p.get(f"bias_hh_{key}")

    def _check(self, input: Tensor, hx: Any) -> tuple[Tensor, list[Tensor], bool]:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            input = Tensor(input)
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (L, N, {self.input_size}) "
                             f"({'(N, L, ...) with batch_first' if self.batch_first else ''}) "
                             f"or (L, {self.input_size}), got {input.shape}")
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        d = 2 if self.bidirectional else 1
        shape = (d * self.num_layers, input.shape[1], self.hidden_size)
        states = []
        for s in (hx if isinstance(hx, tuple) else (hx,)):
            if s is None:
                s = Tensor(np.zeros(shape, dtype=input.dtype))
            elif not isinstance(s, Tensor):
                s = Tensor(s)
            if not batched and s.ndim == 2:
                s = s.unsqueeze(1)
            if s.shape != shape:
                raise ValueError(f"{name}: expected hidden state of shape "
                                 f"{shape if batched else (shape[0], shape[2])}, got {s.shape}")
            states.append(s)
        return input, states, batched

    def _run_direction(self, gi: Tensor, state: Any, w_hh: Tensor, b_hh: Tensor | None,
                       reverse: bool) -> tuple[Tensor, Any]:
        """Unroll one layer in one direction; returns (outputs per step, final state)."""
        steps = range(gi.shape[0] - 1, -1, -1) if reverse else range(gi.shape[0])
        outs: list[Any] = [None] * gi.shape[0]   # every step fills its own
        for t in steps:
            state = rnn_step(self.mode, gi[t], state, w_hh, b_hh)
            outs[t] = state[0] if self.mode == "LSTM" else state
        return stack(outs), state

    def _forward(self, input: Tensor, hx: Any) -> tuple[Tensor, Any]:
        """(output, h_n), h_n a Tensor or, for the LSTM, (h_n, c_n)."""
        x, states, batched = self._check(input, hx)
        lstm = self.mode == "LSTM"
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for k, suffix in enumerate(("", "_reverse")[:2 if self.bidirectional else 1]):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
                i = layer * (2 if self.bidirectional else 1) + k
                state = (states[0][i], states[1][i]) if lstm else states[0][i]
                out, state = self._run_direction(F.linear(x, w_ih, b_ih), state, w_hh, b_hh,
                                                 reverse=k == 1)
                outs.append(out)
                finals.append(state)
            x = outs[0] if len(outs) == 1 else cat(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h_n: Tensor | tuple[Tensor, ...]
        if lstm:
            h_n = (stack([s[0] for s in finals]), stack([s[1] for s in finals]))
        else:
            h_n = stack(finals)
        if not batched:
            x = x.squeeze(1)
            h_n = tuple(h.squeeze(1) for h in h_n) if isinstance(h_n, tuple) else h_n.squeeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, h_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) per layer
    (``nonlinearity='relu'``: relu). ``rnn(x, h_0=None)`` returns ``(output, h_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 dtype: DTypeLike | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return self._forward(input, hx)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), PyTorch's gate order i, f, g, o.

    ``lstm(x, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, dtype: DTypeLike | None = None) -> None:
        if proj_size:
            raise ValueError("LSTM: proj_size > 0 is not supported")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype)
        self.proj_size = 0

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTM: hx must be a pair (h_0, c_0)")
        return self._forward(input, (None, None) if hx is None else tuple(hx))


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014), PyTorch's gate order r, z, n.

    ``gru(x, h_0=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return self._forward(input, hx)
