"""``RMSprop``: AdaGrad with a forgetting running average of squared gradients.

The book's RMSprop (section 6.1.5, ``common/optimizer.py``) is
``RMSprop(params, lr=0.01, alpha=0.99, eps=1e-7)``: its ``decay_rate`` is
PyTorch's ``alpha`` and it adds its ε = 1e-7 outside the square root, as here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class RMSprop(Optimizer):
    """RMSprop as PyTorch's ``torch.optim.RMSprop``.

    For each parameter W with gradient g, per step::

        g ← −g                           if maximize
        g ← g + weight_decay · W
        v ← α v + (1 − α) g ⊙ g          (running mean of g², the book's h)
        ḡ ← α ḡ + (1 − α) g              if centered: then use v − ḡ², a variance
        d = √v + eps
        b ← momentum · b + g / d;  W ← W − lr · b     if momentum > 0
        W ← W − lr · g / d                           otherwise

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant α (default 0.99; the book's ``decay_rate``).
        eps: ε added to the denominator (default 1e-8; the book uses 1e-7).
        weight_decay: L2 penalty coefficient (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by the estimated variance of the gradient.
        maximize: ascend the objective instead of descending.

    State per parameter: ``step``, ``square_avg`` (v), and ``grad_avg`` (ḡ) if
    centered, ``momentum_buffer`` (b) if momentum > 0.
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, param, grad, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        self._init_state(state, param, "square_avg", *(["grad_avg"] if group["centered"] else []),
                         *(["momentum_buffer"] if momentum > 0 else []), step=0)
        state["step"] += 1
        grad = self._prepare_grad(param, grad, group)
        v = state["square_avg"]
        v.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group["centered"]:
            g_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
            denom = (v - g_avg * g_avg).sqrt_()
        else:
            denom = v.sqrt()
        denom.add_(group["eps"])
        if momentum > 0:
            buf = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, denom)
            param.add_(buf, alpha=-group["lr"])
        else:
            param.addcdiv_(grad, denom, value=-group["lr"])
