"""``grad(outputs, inputs)``: gradients without touching ``.grad``, as
``torch.autograd.grad``; and the check of a gradient handed to backward.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import registry
from .engine import run_backward

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinygrad_book.tensor import Tensor


def check_root_gradient(gradient, output, where):
    """The gradient given for ``output`` as a Tensor of its shape and dtype (a copy:
    the user's array must never become part of a leaf's ``.grad``)."""
    Tensor = registry.Tensor
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=output.dtype))
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"{where}: gradient has shape {gradient.shape} but the output has shape "
            f"{output.shape}; they must match")
    if gradient.requires_grad:
        return gradient if gradient.dtype == output.dtype else gradient.astype(output.dtype)
    return registry.constant(gradient.data.astype(output.dtype, copy=True))


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> Any:
    """Gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    Returns a tuple with one gradient per input (``None`` for an unused input
    when ``allow_unused=True``) and leaves every ``.grad`` untouched. With
    ``create_graph=True`` the results are themselves differentiable.
    """
    outs = [outputs] if isinstance(outputs, registry.Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, registry.Tensor) else list(inputs)
    gouts: Sequence[Tensor | None]
    if grad_outputs is None:
        gouts = [None] * len(outs)
    elif isinstance(grad_outputs, registry.Tensor):
        gouts = [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if len(gouts) != len(outs):
        raise ValueError(f"grad: got {len(gouts)} grad_outputs for {len(outs)} outputs")
    for i, t in enumerate(ins):
        if not isinstance(t, registry.Tensor):
            raise TypeError(f"grad: input {i} is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outs, gouts, strict=True)):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad and has no grad_fn")
        if g is None:
            if out.size != 1:
                raise RuntimeError(
                    f"grad: grad can be implicitly created only for outputs with one element; "
                    f"output {i} has shape {out.shape}, so pass grad_outputs")
            g = registry.constant(np.ones(out.shape, dtype=out.dtype))
        else:
            g = check_root_gradient(g, out, "grad")
        roots.append(out)
        root_grads.append(g)
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(roots, root_grads, retain_graph=retain_graph,
                        create_graph=create_graph, inputs=ins, allow_unused=allow_unused)
