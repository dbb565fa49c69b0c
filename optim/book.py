"""The book's ``Momentum`` and ``Nesterov`` (chapter 6, ``common/optimizer.py``).

Both keep a velocity v (state ``"velocity"``, zero at the start) and use the
book's sign convention: v points the way W moves.
"""

from .optimizer import Optimizer


class _BookMomentum(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def _velocity(self, param, state):
        return self._init_state(state, param, "velocity")["velocity"]


class Momentum(_BookMomentum):
    """Momentum SGD as the book writes it (section 6.1.4, equations 6.3 and 6.4)::

        v ← α v − η ∂L/∂W
        W ← W + v

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate η (default 0.01, the book's).
        momentum: α (default 0.9, the book's).

    Mapping onto PyTorch: ``SGD(params, lr=η, momentum=α)`` (dampening 0) keeps a
    buffer b ← α b + ∂L/∂W and steps W ← W − η b. Its buffer is b = −v/η, so the
    two produce the same parameters step for step while η stays fixed. They part
    ways when a scheduler changes η: here the old velocity keeps its old scale,
    in ``SGD`` the whole buffer is rescaled by the new η.
    """

    def _update(self, param, grad, state, group):
        v = self._velocity(param, state)
        v.mul_(group["momentum"]).sub_(grad, alpha=group["lr"])
        param.add_(v)


class Nesterov(_BookMomentum):
    """Nesterov's accelerated gradient in the form of the book's ``common/optimizer.py``::

        v ← α v − η ∂L/∂W
        W ← W + α² v − (1 + α) η ∂L/∂W      (using the v just updated)

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr: learning rate η (default 0.01, the book's).
        momentum: α (default 0.9, the book's).

    The book cites Bengio et al. (arXiv:1212.0901), whose form applies α² to the
    velocity *before* this step's update: W ← W + α² v_old − (1 + α) η ∂L/∂W.
    That form is exactly ``SGD(params, lr=η, momentum=α, nesterov=True)`` (with
    v = −η b). The book's code, reproduced here so its figures come out the
    same, uses the updated v, i.e. W ← W + α³ v_old − (1 + α + α²) η ∂L/∂W: a
    slightly longer step along the gradient. Use ``SGD(nesterov=True)`` for the
    paper's (and PyTorch's) method.
    """

    def _update(self, param, grad, state, group):
        lr, momentum = group["lr"], group["momentum"]
        v = self._velocity(param, state)
        v.mul_(momentum).sub_(grad, alpha=lr)
        param.add_(v, alpha=momentum * momentum)
        param.sub_(grad, alpha=(1 + momentum) * lr)
