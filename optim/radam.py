"""``RAdam``: Adam whose adaptive step is switched on as its variance estimate settles."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2020) as PyTorch's ``torch.optim.RAdam``.

    Per step t (from 1), for each parameter W with gradient g::

        g ← −g                                  if maximize
        W ← W (1 − lr · weight_decay)           if decoupled_weight_decay
        g ← g + weight_decay · W                otherwise
        m ← β1 m + (1 − β1) g
        v ← β2 v + (1 − β2) g ⊙ g
        ρ∞ = 2/(1 − β2) − 1,   ρ_t = ρ∞ − 2t β2ᵗ/(1 − β2ᵗ)
        if ρ_t > 5:   r = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))
                      W ← W − lr r √(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + eps)
        else:         W ← W − lr/(1 − β1ᵗ) · m          (plain momentum SGD)

    In the first few steps v rests on too few gradients to trust, so RAdam
    takes momentum steps until ρ_t, the length of the average, passes 5.

    Args: as :class:`Adam`'s (same names and defaults), without ``amsgrad``.

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        self._init_state(state, param, "exp_avg", "exp_avg_sq", step=0)
        state["step"] += 1
        t = state["step"]
        grad = self._prepare_grad(param, grad, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(grad, 1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step_size = lr * rect * math.sqrt(bias_correction2) / bias_correction1
            param.addcdiv_(m, v.sqrt().add_(group["eps"]), value=-step_size)
        else:
            param.add_(m, alpha=-lr / bias_correction1)
