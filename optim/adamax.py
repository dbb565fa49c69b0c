"""``Adamax``: Adam with the infinity norm in place of the root mean square."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, section 7.1) as PyTorch's ``torch.optim.Adamax``.

    Per step t (from 1), for each parameter W with gradient g::

        g ← −g                              if maximize
        g ← g + weight_decay · W
        m ← β1 m + (1 − β1) g
        u ← max(β2 u, |g| + eps)            (exponentially weighted infinity norm)
        W ← W − lr/(1 − β1ᵗ) · m / u

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate (default 2e-3).
        betas: (β1, β2), each in [0, 1) (default (0.9, 0.999)).
        eps: ε added to |g| (default 1e-8).
        weight_decay: L2 penalty coefficient (default 0).
        maximize: ascend the objective instead of descending.

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).
    """

    def __init__(self, params: Params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        self._init_state(state, param, "exp_avg", "exp_inf", step=0)
        state["step"] += 1
        grad = self._prepare_grad(param, grad, group)
        m, u = state["exp_avg"], state["exp_inf"]
        m.lerp_(grad, 1 - beta1)
        u.mul_(beta2).maximum_(grad.abs().add_(group["eps"]))
        param.addcdiv_(m, u, value=-group["lr"] / (1 - beta1 ** state["step"]))
