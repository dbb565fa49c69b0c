"""Argument checks shared by the graph ops.

Every public op validates here, before any array work, so bad input gets an
error that names the argument, what it got and what was expected instead of a
NumPy broadcasting error from deep inside an im2col.
"""
import numbers
from collections.abc import Collection
from typing import Any, cast

import numpy as np

from tinygrad_book._typing import ArrayLike
from tinygrad_book.tensor import Tensor


def as_tensor(x: object, fn: str, name: str = "input") -> Tensor:
    """Accept a Tensor (as is) or an array-like (wrapped, not copied)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, list, tuple, numbers.Number)):
        try:
            return Tensor(cast("ArrayLike", x))  # a bad one raises the TypeError below
        except TypeError as exc:  # strings, objects, complex numbers, ragged lists
            raise TypeError(f"{fn}(): argument '{name}': {exc}") from None
    raise TypeError(f"{fn}(): argument '{name}' must be a Tensor, got {type(x).__name__}")


def check_float(t: Tensor, fn: str, name: str = "input") -> None:
    """Graph ops that compute on real numbers refuse integer/bool tensors (as PyTorch)."""
    if t.dtype.kind != "f":
        raise TypeError(f"{fn}(): argument '{name}' must be a floating point tensor, got dtype "
                        f"{t.dtype}; convert it first, e.g. {name}.float()")


def float_input(x: object, fn: str, min_ndim: int, layout: str) -> Tensor:
    """``x`` as a floating point Tensor of at least ``min_ndim`` dimensions; the error
    names the op and the expected ``layout`` (e.g. "an (N, C) or (N, C, ...) input")."""
    t = as_tensor(x, fn)
    check_float(t, fn)
    if t.ndim < min_ndim:
        raise ValueError(f"{fn}(): expected {layout}, got shape {t.shape}")
    return t


def check_same_dtype(fn: str, **tensors: Tensor | None) -> None:
    """Mixed float32/float64 operands would silently upcast the result: refuse them."""
    named: list[tuple[str, Tensor]] = [(k, t) for k, t in tensors.items() if t is not None]
    first_name, first = named[0]
    for name, t in named[1:]:
        if t.dtype != first.dtype:
            raise TypeError(
                f"{fn}(): '{first_name}' has dtype {first.dtype} but '{name}' has dtype "
                f"{t.dtype}; they must match (convert one, e.g. {name}.astype({first_name}.dtype))")


def check_ndim(t: Tensor, ndims: Collection[int], fn: str, name: str = "input",
               layout: str | None = None) -> None:
    """Raise a ValueError naming the shape when ``t.ndim`` is not one of ``ndims``."""
    if t.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        hint = f" {layout}" if layout else ""
        raise ValueError(f"{fn}(): expected a {want}{hint} '{name}', got shape {t.shape} "
                         f"({t.ndim}-D)")


def check_reduction(reduction: str, fn: str,
                    allowed: tuple[str, ...] = ("mean", "sum", "none")) -> None:
    if reduction not in allowed:
        names = ", ".join(map(repr, allowed[:-1])) + f" or {allowed[-1]!r}"
        raise ValueError(f"{fn}(): reduction must be {names}, got {reduction!r}")


def loss_inputs(fn: str, input: Any, target: Any, reduction: str,
                reductions: tuple[str, ...] = ("mean", "sum", "none")) -> tuple[Tensor, Tensor]:
    """Checked (input, target) of an element-wise loss: float Tensors of one shape and one
    dtype, and a known ``reduction`` (the mean of an empty input is refused)."""
    input = as_tensor(input, fn)
    target = as_tensor(target, fn, "target")
    check_float(input, fn)
    check_float(target, fn, "target")
    check_reduction(reduction, fn, reductions)
    if input.shape != target.shape:
        raise ValueError(f"{fn}(): input shape {input.shape} and target shape {target.shape} "
                         f"must match")
    check_mean_of_empty(input, "mean" if reduction == "batchmean" else reduction, fn)
    check_same_dtype(fn, input=input, target=target)
    return input, target


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` ('none', 'mean' or 'sum', already checked) to element-wise losses."""
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


def check_mean_of_empty(input: Tensor, reduction: str, fn: str) -> None:
    """A mean over zero items is 0/0: refuse it rather than return NaN (PyTorch returns NaN)."""
    if reduction == "mean" and input.size == 0:
        raise ValueError(f"{fn}(): input of shape {input.shape} is empty, and its mean loss is "
                         "undefined (0/0 would be nan); skip empty batches, or pass "
                         "reduction='sum' (0) or 'none'")


def data(x: Any) -> Any:
    """The array behind a Tensor (or the array itself)."""
    return x.data if isinstance(x, Tensor) else x
