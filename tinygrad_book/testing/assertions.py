"""assert_gradcheck (one input you pick) and assert_close; make_inputs builds float64 leaves."""
import numpy as np

from ..gradcheck import GradcheckError, gradcheck, gradgradcheck
from ..tensor import Tensor


def make_inputs(*inputs_or_shapes, seed=0, low=-1.0, high=1.0):
    """float64 Tensors that require grad: a shape tuple becomes uniform random data
    in [low, high); a Tensor or array is converted to float64 (a fresh leaf)."""
    rng = np.random.default_rng(seed)
    made = []
    for spec in inputs_or_shapes:
        if isinstance(spec, Tensor):
            if spec.dtype.kind != "f":
                made.append(spec)  # integer inputs (e.g. class targets) are passed through
                continue
            made.append(Tensor(spec.data.astype(np.float64), requires_grad=spec.requires_grad))
        elif isinstance(spec, np.ndarray):
            is_float = spec.dtype.kind == "f"
            made.append(Tensor(spec.astype(np.float64), requires_grad=True) if is_float
                        else Tensor(spec))
        elif isinstance(spec, (tuple, list)) and all(isinstance(s, (int, np.integer))
                                                     for s in spec):
            made.append(Tensor(rng.uniform(low, high, size=tuple(spec)), requires_grad=True))
        elif isinstance(spec, int):
            made.append(Tensor(rng.uniform(low, high, size=(spec,)), requires_grad=True))
        else:
            made.append(spec)
    return made


def assert_gradcheck(fn, *inputs_or_shapes, seed=0, eps=1e-6, atol=1e-5, rtol=1e-3,
                     second_order=False, low=-1.0, high=1.0):
    """Fail with a readable report unless ``fn``'s gradients match central differences.

    Args:
        fn: takes Tensors (and any other passed-through values), returns a Tensor.
        inputs_or_shapes: Tensors/arrays, or shapes like ``(2, 3)`` for random inputs.
        second_order: also run ``gradgradcheck``.
    """
    __tracebackhide__ = True  # pytest shows the user's call, not this function
    inputs = make_inputs(*inputs_or_shapes, seed=seed, low=low, high=high)
    try:
        gradcheck(fn, tuple(inputs), eps=eps, atol=atol, rtol=rtol)
        if second_order:
            gradgradcheck(fn, tuple(inputs), eps=eps, atol=atol, rtol=rtol, seed=seed)
    except GradcheckError as exc:
        shapes = ", ".join(str(getattr(t, "shape", t)) for t in inputs)
        raise AssertionError(f"{exc}\n  inputs: {shapes} (seed {seed})") from None
    return inputs


def assert_close(actual, expected, rtol=1e-5, atol=1e-8, msg=""):
    """Assert two tensors/arrays have the same shape and values within tolerance."""
    __tracebackhide__ = True
    a = np.asarray(actual.data if isinstance(actual, Tensor) else actual)
    e = np.asarray(expected.data if isinstance(expected, Tensor) else expected)
    if a.shape != e.shape:
        raise AssertionError(f"{msg}shape mismatch: {a.shape} vs expected {e.shape}")
    if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
        idx = np.unravel_index(np.nanargmax(diff), diff.shape) if diff.ndim else ()
        raise AssertionError(
            f"{msg}values differ: max abs difference {np.nanmax(diff):.3g} at index "
            f"{tuple(int(i) for i in idx)} (actual {a[idx].item()!r}, expected "
            f"{e[idx].item()!r}); "
            f"rtol={rtol}, atol={atol}")
