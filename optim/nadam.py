"""``NAdam``: Adam with Nesterov momentum (Dozat, 2016)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class NAdam(Optimizer):
    """NAdam as PyTorch's ``torch.optim.NAdam``.

    Per step t (from 1), for each parameter W with gradient g, with the momentum
    schedule μ_t = β1 (1 − ½ · 0.96^(t · momentum_decay)) and Π_t = μ_1 ⋯ μ_t::

        g ← −g                                  if maximize
        W ← W (1 − lr · weight_decay)           if decoupled_weight_decay
        g ← g + weight_decay · W                otherwise
        m ← β1 m + (1 − β1) g
        v ← β2 v + (1 − β2) g ⊙ g
        d = √(v / (1 − β2ᵗ)) + eps
        W ← W − lr (1 − μ_t)/(1 − Π_t) · g/d − lr μ_{t+1}/(1 − Π_{t+1}) · m/d

    The last line looks one step ahead: it applies next step's momentum to m now.

    Args:
        params, lr, betas, eps, weight_decay, maximize: as :class:`Adam`'s, but with
            ``lr`` 2e-3 by default (no ``amsgrad``).
        momentum_decay: ψ in the momentum schedule (default 4e-3).
        decoupled_weight_decay: ``True`` gives NAdamW.

    State per parameter: ``step``, ``mu_product`` (Π_t, a float), ``exp_avg``,
    ``exp_avg_sq``.
    """

    _scalar_state = {"step": int, "mu_product": float}

    def __init__(self, params: Params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        self._init_state(state, param, "exp_avg", "exp_avg_sq", step=0, mu_product=1.0)
        state["step"] += 1
        t = state["step"]
        grad = self._prepare_grad(param, grad, group)
        psi = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(grad, 1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (v / (1 - beta2 ** t)).sqrt_().add_(group["eps"])
        param.addcdiv_(grad, denom, value=-lr * (1 - mu) / (1 - mu_product))
        param.addcdiv_(m, denom, value=-lr * mu_next / (1 - mu_product * mu_next))
