"""``Adagrad`` (PyTorch's) and ``AdaGrad`` (the book's defaults): per-element learning rates.

The book's section 6.1.5, equations 6.5 and 6.6::

    h ← h + ∂L/∂W ⊙ ∂L/∂W
    W ← W − η ∂L/∂W / (√h + ε)

Parameters that have seen large gradients get smaller steps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .optimizer import Optimizer

if TYPE_CHECKING:
    from tinygrad_book._typing import Params


class Adagrad(Optimizer):
    """AdaGrad as PyTorch's ``torch.optim.Adagrad``.

    Per step t (from 1), for each parameter W with gradient g::

        g ← −g                           if maximize
        g ← g + weight_decay · W
        η_t = lr / (1 + (t − 1) · lr_decay)
        h ← h + g ⊙ g                    (h starts at initial_accumulator_value)
        W ← W − η_t · g / (√h + eps)

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate η (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty coefficient (default 0).
        initial_accumulator_value: starting value of h (default 0).
        eps: ε added to √h (default 1e-10, PyTorch's; the book uses 1e-7,
            see :class:`AdaGrad`).
        maximize: ascend the objective instead of descending.

    State per parameter: ``step`` (int) and ``sum`` (h).
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        self._init_state(state, param, "sum", fill=group["initial_accumulator_value"], step=0)
        state["step"] += 1
        grad = self._prepare_grad(param, grad, group)
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        h = state["sum"]
        h.addcmul_(grad, grad)
        param.addcdiv_(grad, h.sqrt().add_(group["eps"]), value=-lr)


class AdaGrad(Adagrad):
    """The book's AdaGrad: :class:`Adagrad` with the book's ε = 1e-7 as the default.

    ``AdaGrad(params, lr=1.5)`` reproduces the book's ``AdaGrad(lr=1.5)``
    exactly (h ← h + g⊙g, W ← W − η g/(√h + 1e-7)); the extra PyTorch options
    (``lr_decay``, ``weight_decay``, ``initial_accumulator_value``, ``maximize``)
    default to off. The two classes differ only in the default ``eps``: PyTorch's
    1e-10 versus the book's 1e-7, which matters only while h is still tiny.
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-7,
                 *, maximize: bool = False) -> None:
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps,
                         maximize=maximize)
