"""Gradient clipping (``nn.utils``), as PyTorch's ``clip_grad_norm_`` and ``clip_grad_value_``.

Call them between ``loss.backward()`` and ``optimizer.step()``; parameters
without a gradient are skipped.
"""
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import checks
from ..tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else parameters
    grads: list[Tensor] = []
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: parameters must be Tensors, got {type(p).__name__} at "
                            f"position {i}")
        if p.grad is not None:
            grads.append(p.grad)
    return grads


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    The norm is taken over every gradient element as if concatenated into one
    vector; when it exceeds ``max_norm`` each gradient is multiplied by
    ``max_norm / (norm + 1e-6)``. Returns the norm before clipping as a 0-d
    Tensor of the gradients' dtype (accumulated in float32 or wider, so float16
    gradients do not overflow). ``norm_type`` may be ``float("inf")`` (the
    largest absolute value). A nan norm (with ``error_if_nonfinite=False``)
    makes every gradient nan, as in PyTorch: the failure is not hidden.
    """
    grads = _grads(parameters, "clip_grad_norm_")
    max_norm = checks.number(max_norm, "max_norm", "clip_grad_norm_")
    norm_type = checks.number(norm_type, "norm_type", "clip_grad_norm_")
    if max_norm < 0 or math.isnan(max_norm):
        raise ValueError(f"clip_grad_norm_: max_norm must be non-negative, got {max_norm}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive or inf, got {norm_type}")
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    dtype = np.result_type(*(g.data.dtype for g in grads))
    # Summed in float32 or wider: float16 squares overflow from |g| = 256 on. The total is
    # returned (and compared) in the gradients' dtype, as PyTorch.
    acc = np.promote_types(dtype, np.float32)
    if math.isinf(norm_type):
        maxima = [np.max(np.abs(g.data)) if g.data.size else 0.0 for g in grads]
        total = np.max(np.asarray(maxima, dtype=acc))
    else:
        norms = np.asarray([np.sum(np.abs(g.data.astype(acc, copy=False)) ** norm_type)
                            for g in grads], dtype=acc)
        total = np.sum(norms) ** (1.0 / norm_type)
    with np.errstate(over="ignore"):  # a norm beyond float16's range is inf, as in PyTorch
        total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = max_norm / (float(total) + 1e-6)
    if not coef >= 1.0:  # also a nan norm: every gradient becomes nan, as in PyTorch
        for g in grads:
            _scale(g, coef)
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    grads = _grads(parameters, "clip_grad_value_")
    clip_value = checks.number(clip_value, "clip_value", "clip_grad_value_")
    if clip_value < 0 or math.isnan(clip_value):
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    for g in grads:
        if g.data.flags.writeable:
            np.clip(g.data, -clip_value, clip_value, out=g.data)
        else:
            g.data = np.clip(g.data, -clip_value, clip_value)


def _scale(g: Tensor, coef: Any) -> None:
    # In place, as PyTorch's grad.mul_(): anything holding the gradient array sees the change.
    coef = np.asarray(coef, dtype=g.data.dtype)
    with np.errstate(invalid="ignore"):  # inf·0 and nan: nan, as in PyTorch
        if g.data.flags.writeable:
            np.multiply(g.data, coef, out=g.data)
        else:
            g.data = g.data * coef
