"""Normalisation layers: Batch Normalization (chapter 6.3) and AlexNet's local response norm."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from ...tensor import Tensor
from .. import functional as F
from ..functional.normalization import BatchNorm
from . import _checks
from .module import Module, Parameter, remember_state

if TYPE_CHECKING:
    from tinygrad_book._typing import IntOrTuple


class _BatchNorm(Module):
    """Batch Normalization, the book's equations 6.7: per channel over the batch,

        mu = mean(x),  var = mean((x - mu)²),  x̂ = (x - mu) / sqrt(var + eps),  y = γ x̂ + β

    In training the batch statistics are used and the running estimates are
    updated as PyTorch does::

        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var_unbiased

    The book's ``BatchNormalization(momentum=0.9)`` writes the same update with
    the weights swapped (``momentum * running + (1 - momentum) * batch``), so
    its 0.9 is PyTorch's ``momentum=0.1``, the default here; the book also
    keeps the biased variance. ``momentum=None`` gives a cumulative average
    over ``num_batches_tracked`` batches. In eval mode the running estimates
    replace the batch statistics.

    Parameters ``weight`` (γ, ones) and ``bias`` (β, zeros) when ``affine``
    (``bias=False`` drops β, as in PyTorch 2.13);
    buffers ``running_mean``, ``running_var`` and ``num_batches_tracked``
    (int64) when ``track_running_stats``: the state-dict keys of PyTorch.
    """

    _ndims: tuple[int, ...] = ()   # the input ranks a subclass accepts

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        name = type(self).__name__
        self.num_features = checks.integer(num_features, "num_features", name, minimum=1)
        self.eps = checks.positive(eps, "eps", name)
        if momentum is not None:
            momentum = checks.positive(momentum, "momentum", name, allow_zero=True)
            if momentum > 1:
                raise ValueError(f"{name}: momentum must be in [0, 1] (PyTorch's convention; "
                                 f"the book's 0.9 is momentum=0.1 here), got {momentum}")
        self.momentum = momentum
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dtype = _checks.float_dtype(dtype, name)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def _check_input(self, x):
        """The input's shape, checked against the layer's rank and number of channels."""
        name = type(self).__name__
        shape = tuple(x.shape if isinstance(x, Tensor) else np.shape(x))
        if len(shape) not in self._ndims:
            expected = " or ".join(f"{n}D" for n in self._ndims)
            raise ValueError(f"{name}: expected {expected} input (got {len(shape)}D input of "
                             f"shape {shape})")
        if shape[1] != self.num_features:
            raise ValueError(f"{name}({self.num_features}): input of shape {shape} has "
                             f"{shape[1]} channels in dimension 1, expected {self.num_features}")
        uses_batch_stats = self.training or not self.track_running_stats
        # An empty batch is fine (an empty output, as PyTorch); one value per channel is not.
        if uses_batch_stats and math.prod(shape) // shape[1] == 1:
            raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                             f"got input of shape {shape}")
        return shape

    def _fused_ready(self, x):
        """Whether a batch-statistics forward can go straight to the fused op: a float
        Tensor of an accepted rank with ``num_features`` channels and more than one value
        per channel, of the parameters' dtype, and parameters and buffers still of shape
        (C,). eps and momentum were checked when the layer was built. Everything else
        goes through ``_check_input`` and ``F.batch_norm``'s checks."""
        if not isinstance(x, Tensor):
            return False
        data = x.data
        shape = data.shape
        if len(shape) not in self._ndims or shape[1] != self.num_features or \
                data.dtype.kind != "f" or data.size <= shape[1]:
            return False
        dtype, channels, params, buffers = data.dtype, shape[1:2], self._parameters, self._buffers
        for t in (params["weight"], params["bias"]):
            if t is not None and (t.data.dtype != dtype or t.data.shape != channels):
                return False
        for t in (buffers["running_mean"], buffers["running_var"]):
            if t is not None and (t.data.shape != channels or not t.data.flags.writeable):
                return False
        return True

    def forward(self, x):
        buffers, params = self._buffers, self._parameters
        training, tracking = self.training, self.track_running_stats
        use_batch_stats = training or not tracking
        fused = use_batch_stats and self._fused_ready(x)
        if not fused:
            # Checked here, not only in F.batch_norm, so a bad batch cannot bump
            # num_batches_tracked before failing.
            self._check_input(x)
        factor = self.momentum
        if training and tracking:
            count = buffers["num_batches_tracked"]
            assert count is not None  # registered in __init__ when track_running_stats
            remember_state(buffers["running_mean"], buffers["running_var"], count)
            count.data[()] += 1  # (in place: 8x cheaper than count.data += 1 on a 0-d array)
            if factor is None:
                factor = 1.0 / float(count.data)
        elif factor is None:
            factor = 0.0
        # In training without tracking there is nothing to update; in eval without
        # tracking the batch statistics are all there is (PyTorch's rule).
        running_mean = running_var = None
        if tracking or not training:
            running_mean, running_var = buffers["running_mean"], buffers["running_var"]
        if fused:
            # Without F.batch_norm's per-call argument checks: they cost more than the
            # arithmetic on an MLP's (100, 100) batches.
            return BatchNorm.apply(x, params["weight"], params["bias"], eps=self.eps,
                                   momentum=factor,
                                   running_mean=None if running_mean is None
                                   else running_mean.data,
                                   running_var=None if running_var is None
                                   else running_var.data)
        return F.batch_norm(x, running_mean, running_var, params["weight"], params["bias"],
                            use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch Normalization over ``(N, C)`` (after a Linear layer) or ``(N, C, L)`` input."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch Normalization per channel of ``(N, C, H, W)`` input (statistics over N, H, W)."""

    _ndims = (4,)


class LocalResponseNorm(Module):
    """AlexNet's local response normalisation across neighbouring channels.

        b_c = a_c / (k + alpha / size * sum_{c' near c} a_{c'}²) ** beta

    over ``size`` channels centred on c. Shapes: ``(N, C, ...)`` unchanged.
    """

    def __init__(self, size: IntOrTuple, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = checks.integer(size, "size", "LocalResponseNorm", minimum=1)
        self.alpha = checks.positive(alpha, "alpha", "LocalResponseNorm", allow_zero=True)
        self.beta = checks.positive(beta, "beta", "LocalResponseNorm", allow_zero=True)
        self.k = checks.positive(k, "k", "LocalResponseNorm", allow_zero=True)

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
