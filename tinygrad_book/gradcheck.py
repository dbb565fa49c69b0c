"""Gradient checking: analytic gradients against central differences.

The book checks its backprop against numerical gradients (section 5.6.3);
this is that check made rigorous: every entry of the Jacobian is compared,
in float64, and a failure names the input, the element and both values.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from .grad_mode import enable_grad, no_grad
from .gradients import grad as autograd_grad
from .tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when an analytic gradient disagrees with the numeric one.

    ``input_index`` is the position of the failing input in ``inputs`` and
    ``detail`` the report after "input i (shape ...) at" (element, output, both
    values, tolerance), so a caller that knows the input by a name (a module's
    ``fc1.weight``) can say it with that name.
    """

    def __init__(self, message, input_index=None, detail=None):
        super().__init__(message)
        self.input_index = input_index
        self.detail = detail


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    outs = _as_tuple(func(*inputs))
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def numerical_grad(func: Callable[..., Any], inputs: Sequence[Tensor], eps: float = 1e-6,
                   grad_outputs: Sequence[Tensor | np.ndarray] | None = None) -> Any:
    """Central-difference gradient of ``sum(grad_output * func(*inputs))`` for each input.

    Args:
        func: takes Tensors, returns a Tensor (or a tuple of them).
        inputs: the Tensors to differentiate with respect to (perturbed in place
            and restored).
        grad_outputs: weights for each output (defaults to ones).
    Returns:
        a list with one ``np.ndarray`` per input, shaped like that input.
    """
    inputs = _as_tuple(inputs)
    with no_grad():
        outs = _outputs(func, inputs)
        if grad_outputs is None:
            grad_outputs = [np.ones(o.shape) for o in outs]
        weights = [np.asarray(g.data if isinstance(g, Tensor) else g, dtype=np.float64)
                   for g in _as_tuple(grad_outputs)]

        def weighted_sum():
            return sum(float(np.sum(o.data.astype(np.float64) * w))
                       for o, w in zip(_outputs(func, inputs), weights, strict=True))

        grads = []
        for t in inputs:
            g = np.zeros(t.shape, dtype=np.float64)
            for idx in np.ndindex(t.shape):
                g[idx] = _central_difference(t.data, idx, eps, weighted_sum)
            grads.append(g)
    return grads


def _central_difference(data, idx, eps, evaluate):
    """(f(x + eps e_idx) - f(x - eps e_idx)) / 2 eps, perturbing ``data[idx]`` in place.

    Indexing the array itself (not a flattened copy) works for any memory layout.
    """
    orig = data[idx]
    try:
        data[idx] = orig + eps
        plus = evaluate()
        data[idx] = orig - eps
        minus = evaluate()
    finally:
        data[idx] = orig
    return (plus - minus) / (2 * eps)


def _jacobians(func, inputs, diff_idx, eps):
    """Analytic and numeric Jacobians, one (n_out_total, n_in) pair per checked input."""
    with no_grad():
        outs0 = _outputs(func, inputs)
    sizes = [o.size for o in outs0]
    n_out = sum(sizes)
    numeric = [np.zeros((n_out, inputs[i].size)) for i in diff_idx]

    def flat_outputs():
        return np.concatenate([o.data.astype(np.float64).reshape(-1)
                               for o in _outputs(func, inputs)] or [np.zeros(0)])

    with no_grad():
        for j, i in enumerate(diff_idx):
            for k, idx in enumerate(np.ndindex(inputs[i].shape)):
                numeric[j][:, k] = _central_difference(inputs[i].data, idx, eps, flat_outputs)

    # Row by row: one backward per output element, seeded with a one-hot gradient.
    analytic = [np.zeros((n_out, inputs[i].size)) for i in diff_idx]
    with enable_grad():  # the caller may be inside no_grad()
        outs = _outputs(func, inputs)
    row = 0
    for out in outs:
        if not out.requires_grad:  # does not depend on the inputs: its rows stay 0
            row += out.size
            continue
        for e in range(out.size):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[e] = 1
            grads = autograd_grad(out, [inputs[i] for i in diff_idx], grad_outputs=Tensor(seed),
                                  retain_graph=True, allow_unused=True)
            for j, g in enumerate(grads):
                if g is not None:
                    analytic[j][row, :] = g.data.reshape(-1)
            row += 1
    return analytic, numeric, sizes


def gradcheck(func: Callable[..., Any], inputs: Sequence[Tensor], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
              nondet_tol: float = 0.0) -> bool:
    """Check ``func``'s analytic gradients against central differences.

    Args:
        func: takes the Tensors in ``inputs`` and returns a Tensor or a tuple.
        inputs: a Tensor or a tuple; those with ``requires_grad=True`` are checked.
            Use float64: float32 differences are too coarse for the tolerances.
        eps, atol, rtol: as ``torch.autograd.gradcheck``; an entry passes when
            ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise on a mismatch (default) rather than return False.
        nondet_tol: accepted for PyTorch compatibility and ignored: every op
            here is deterministic.
    Returns:
        True when every entry passes; otherwise raises ``GradcheckError`` naming
        the input, element index, both values and the tolerance (or returns
        False with ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")
    for i in diff_idx:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} is {inputs[i].dtype}, not float64; central "
                "differences in lower precision may fail spuriously", stacklevel=2)
    analytic, numeric, sizes = _jacobians(func, inputs, diff_idx, eps)
    for j, i in enumerate(diff_idx):
        a, n = analytic[j], numeric[j]
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        bad |= np.isnan(a) != np.isnan(n)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            out_idx, out_elem = _locate(row, sizes)
            in_elem = np.unravel_index(col, inputs[i].shape) if inputs[i].ndim else ()
            tol = atol + rtol * abs(n[row, col])
            detail = (f"element {tuple(int(v) for v in in_elem)}, output {out_idx} element "
                      f"{out_elem}: analytic {a[row, col]:.8g} vs numeric {n[row, col]:.8g} "
                      f"(difference {abs(a[row, col] - n[row, col]):.3g} > tolerance "
                      f"{tol:.3g} = atol {atol} + rtol {rtol} * |numeric|); "
                      f"{int(bad.sum())} of {bad.size} Jacobian entries disagree")
            if raise_exception:
                raise GradcheckError(f"gradcheck failed for input {i} (shape "
                                     f"{inputs[i].shape}) at {detail}", i, detail)
            return False
    return True


def _locate(row, sizes):
    for out_idx, size in enumerate(sizes):
        if row < size:
            return out_idx, int(row)
        row -= size
    return len(sizes) - 1, int(row)


def gradgradcheck(func: Callable[..., Any], inputs: Sequence[Tensor],
                  grad_outputs: Sequence[Tensor] | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  seed: int = 0) -> bool:
    """Check second derivatives: gradcheck the map (inputs, v) -> vᵀ ∂func/∂inputs.

    ``grad_outputs`` (the v) default to standard normal float64 tensors that
    require grad, drawn from ``np.random.default_rng(seed)``.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    with no_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        # Recording must be on even while gradcheck evaluates under no_grad:
        # this function *is* a backward pass.
        with enable_grad():
            ys = _outputs(func, xs)
            grads = autograd_grad(ys, [xs[i] for i in diff_idx], grad_outputs=list(vs),
                                  create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps,
                     atol=atol, rtol=rtol, raise_exception=raise_exception)
