"""``Adam`` and ``AdamW``: momentum plus per-element step sizes, with bias correction.

The book's Adam (section 6.1.6, ``common/optimizer.py``) with t counting steps::

    m ← m + (1 − β1)(g − m)             (= β1 m + (1 − β1) g)
    v ← v + (1 − β2)(g² − v)            (= β2 v + (1 − β2) g²)
    W ← W − η √(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + 1e-7)

PyTorch (and this module) put ε after the bias correction instead:
W ← W − η/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε). The two are the same update
with the book's ε scaled by 1/√(1 − β2ᵗ) (≈ 32ε at t = 1, → ε as t grows).
The difference is of the order of ε/|g| per step: on the book's 2-D
experiment (figure 6-8: lr 0.3, 30 steps from (−7, 2)) ``Adam(lr=0.3,
eps=1e-7)`` stays within 1e-5 of the book's path.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) as PyTorch's ``torch.optim.Adam``.

    Per step t (from 1), for each parameter W with gradient g::

        g ← −g                                  if maximize
        W ← W (1 − lr · weight_decay)           if decoupled_weight_decay (AdamW)
        g ← g + weight_decay · W                otherwise (L2 penalty)
        m ← β1 m + (1 − β1) g                   first moment
        v ← β2 v + (1 − β2) g ⊙ g               second moment
        v̂ = max(v̂, v) if amsgrad else v
        W ← W − lr/(1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + eps)

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate (default 1e-3).
        betas: (β1, β2), each in [0, 1) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8; the book's is 1e-7 and
            sits elsewhere, see the module docstring).
        weight_decay: weight decay coefficient (default 0).
        amsgrad: use the running maximum of v (Reddi et al., 2018).
        maximize: ascend the objective instead of descending.
        decoupled_weight_decay: shrink W directly instead of adding to g (AdamW).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v), and
    ``max_exp_avg_sq`` (v̂) with amsgrad.
    """

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, param, grad, state, group):
        lr, eps, amsgrad = group["lr"], group["eps"], group["amsgrad"]
        beta1, beta2 = group["betas"]
        self._init_state(state, param, "exp_avg", "exp_avg_sq",
                         *(["max_exp_avg_sq"] if amsgrad else []), step=0)
        state["step"] += 1
        t = state["step"]
        g = self._prepare_grad(param, grad, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(g, 1 - beta1)                              # m ← β1 m + (1 − β1) g
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)      # v ← β2 v + (1 − β2) g ⊙ g
        if amsgrad:
            v = state["max_exp_avg_sq"].maximum_(v)        # v̂ ← max(v̂, v)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        denom = v.sqrt().div_(math.sqrt(bias_correction2)).add_(eps)
        param.addcdiv_(m, denom, value=-lr / bias_correction1)  # W ← W − lr/(1 − β1ᵗ) · m/denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), PyTorch's ``AdamW``.

    Instead of adding ``weight_decay · W`` to the gradient (where Adam's
    per-element scaling would weaken it for parameters with large gradients),
    every step first shrinks the weights: W ← W (1 − lr · weight_decay), then
    takes the plain Adam step. Same arguments as :class:`Adam`, but
    ``weight_decay`` defaults to 1e-2.
    """

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)
