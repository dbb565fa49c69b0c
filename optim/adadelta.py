"""``Adadelta``: RMSprop whose step size is itself a running average (Zeiler, 2012)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class Adadelta(Optimizer):
    """Adadelta as PyTorch's ``torch.optim.Adadelta``.

    For each parameter W with gradient g, per step::

        g ← −g                                   if maximize
        g ← g + weight_decay · W
        v ← ρ v + (1 − ρ) g ⊙ g                  (running mean of g²)
        Δ = √(u + eps) / √(v + eps) ⊙ g          (u: running mean of Δ²)
        u ← ρ u + (1 − ρ) Δ ⊙ Δ
        W ← W − lr · Δ

    The ratio of the two root-mean-squares gives every element a step with the
    units of W, so ``lr`` (default 1.0) is only a scale.

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: scale of the update (default 1.0).
        rho: ρ, the running averages' decay (default 0.9).
        eps: ε inside both square roots (default 1e-6).
        weight_decay: L2 penalty coefficient (default 0).
        maximize: ascend the objective instead of descending.

    State per parameter: ``step``, ``square_avg`` (v), ``acc_delta`` (u).
    """

    def __init__(self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        self._init_state(state, param, "square_avg", "acc_delta", step=0)
        state["step"] += 1
        grad = self._prepare_grad(param, grad, group)
        v, u = state["square_avg"], state["acc_delta"]
        v.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        delta = (u + eps).sqrt_().div_((v + eps).sqrt_()).mul_(grad)
        u.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        param.add_(delta, alpha=-group["lr"])
