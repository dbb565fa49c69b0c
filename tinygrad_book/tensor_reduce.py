"""Reductions as Tensor methods: ``sum``, ``mean``, ``max``, ``var``... over ``axis``.

``axis`` (or PyTorch's ``dim``) is an int, a tuple of ints or ``None`` for all
axes; negative values count from the end. The ops themselves live in
``ops/reduce.py``; these methods validate the arguments and pick the op.
"""
import warnings

import numpy as np

from . import tensor as _tensor
from .ops import reduce as R


class ReductionMethods:
    """Mixed into :class:`~tinygrad_book.tensor.Tensor`."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False, dim=None):
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "sum")
        return R.Sum.apply(self, axis=axes, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False, dim=None):
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "mean")
        return R.Mean.apply(_tensor._floating(self), axis=axes, keepdims=keepdims)

    def max(self, axis=None, keepdims=False, dim=None):
        """Largest values over ``axis`` (values only, as NumPy; see ``argmax``)."""
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "max")
        return R.Max.apply(self, axis=axes, keepdims=keepdims)

    def min(self, axis=None, keepdims=False, dim=None):
        """Smallest values over ``axis`` (values only, as NumPy; see ``argmin``)."""
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "min")
        return R.Min.apply(self, axis=axes, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False, dim=None):
        axis = _axis_arg(axis, dim)
        return _tensor.Tensor._make(np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdims)),
                            False, None, 0)

    def argmin(self, axis=None, keepdims=False, dim=None):
        axis = _axis_arg(axis, dim)
        return _tensor.Tensor._make(np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdims)),
                            False, None, 0)

    def var(self, axis=None, keepdims=False, correction=1, dim=None, unbiased=None, ddof=None):
        """Variance over ``axis``; ``correction=1`` (PyTorch's default) divides by n - 1.

        ``unbiased=False`` or NumPy's ``ddof=0`` divide by n.
        """
        if unbiased is not None:
            correction = 1 if unbiased else 0
        if ddof is not None:
            correction = ddof
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "var")
        n = int(np.prod([self.shape[i] for i in axes])) if axes else 1
        dof = n - correction
        if dof <= 0:
            # PyTorch's behaviour: divide by max(dof, 0) and warn, giving inf/nan.
            warnings.warn(f"var(): degrees of freedom is <= 0 (n={n} elements, "
                          f"correction={correction}); the result is inf or nan",
                          RuntimeWarning, stacklevel=2)
        centred = self - self.mean(axis=axes, keepdims=True)
        squares = (centred * centred).sum(axis=axes, keepdims=keepdims)
        if dof > 0:
            return squares / dof
        with np.errstate(divide="ignore", invalid="ignore"):
            return squares / 0

    def std(self, axis=None, keepdims=False, correction=1, dim=None, unbiased=None, ddof=None):
        """Standard deviation: the square root of ``var`` with the same arguments."""
        # StdSqrt, not sqrt: its gradient is 0 (not nan) where a slice is constant, as PyTorch.
        return R.StdSqrt.apply(self.var(axis, keepdims, correction, dim, unbiased, ddof))

    def logsumexp(self, axis=None, keepdims=False, dim=None):
        axes = R.normalize_axis(_axis_arg(axis, dim), self.ndim, "logsumexp")
        return R.LogSumExp.apply(_tensor._floating(self), axis=axes, keepdims=keepdims)


def _axis_arg(axis, dim):
    """PyTorch's ``dim=`` and NumPy's ``axis=`` name the same thing; ``dim`` wins if given."""
    return axis if dim is None else dim
