"""``SGD``: stochastic gradient descent, with momentum and Nesterov momentum as PyTorch.

The book's SGD (section 6.1.2) is the plain case: W ← W − η ∂L/∂W.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class SGD(Optimizer):
    """Stochastic gradient descent (PyTorch's ``torch.optim.SGD``).

    For each parameter W with gradient g, per step::

        g ← −g                          if maximize
        g ← g + weight_decay · W        (L2 penalty, as the book's section 6.4.1)
        b ← g                           on the first step, then
        b ← momentum · b + (1 − dampening) · g
        g ← g + momentum · b  if nesterov  else  b
        W ← W − lr · g

    With ``momentum=0`` this is the book's ``SGD``: W ← W − η ∂L/∂W. With
    ``momentum=α, dampening=0`` it is the book's ``Momentum`` written with the
    buffer b = −v/η (see :class:`~tinygrad_book.optim.Momentum`); ``nesterov=True``
    gives Bengio et al.'s form of Nesterov's accelerated gradient,
    W ← W + α²v_old − (1 + α)η g.

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate η (default 1e-3, as PyTorch 2).
        momentum: momentum factor α (default 0).
        dampening: dampening of the gradient added to the buffer (default 0).
        weight_decay: L2 penalty coefficient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending.
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check_group(self, group):
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening: got "
                f"nesterov=True with momentum={group['momentum']!r}, "
                f"dampening={group['dampening']!r}; expected momentum > 0 and dampening=0")

    def _update(self, param, grad, state, group):
        lr, momentum = group["lr"], group["momentum"]
        grad = self._prepare_grad(param, grad, group)
        if momentum != 0:
            buf = self._init_state(state, param, momentum_buffer=None)["momentum_buffer"]
            if buf is None:  # PyTorch's first step: the buffer starts as the gradient
                buf = state["momentum_buffer"] = grad.clone()
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad + momentum * buf if group["nesterov"] else buf
        param.add_(grad, alpha=-lr)
