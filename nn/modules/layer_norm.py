"""Per-sample normalisation layers: ``LayerNorm``, ``GroupNorm``, ``InstanceNorm1d/2d``.

Where :class:`BatchNorm2d` (book section 6.3) averages each channel over the
batch, these average over each sample's own features, so a batch of one is
fine and training and evaluation agree (transformers use LayerNorm, ResNets
trained with tiny batches GroupNorm, style transfer InstanceNorm).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book import checks

from ...tensor import Tensor
from .. import functional as F
from . import _checks
from .module import Module, Parameter, remember_state

if TYPE_CHECKING:
    from tinygrad_book._typing import DTypeLike, IntOrTuple


class LayerNorm(Module):
    """y = γ (x - μ)/√(σ² + ε) + β, μ and σ² over the last dimensions of each sample.

    Shapes: input ``(*, *normalized_shape)``, unchanged; ``weight`` (γ, ones)
    and ``bias`` (β, zeros) of ``normalized_shape`` when
    ``elementwise_affine`` (``bias=False`` drops β), as PyTorch.
    """

    def __init__(self, normalized_shape: IntOrTuple, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(checks.integer(s, "normalized_shape", "LayerNorm", minimum=1)
                                      for s in normalized_shape)
        self.eps = checks.positive(eps, "eps", "LayerNorm", allow_zero=True)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = _checks.float_dtype(dtype, "LayerNorm")
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each group of ``num_channels / num_groups`` channels of each sample.

    Shapes: input ``(N, C, *)``, unchanged; ``weight`` and ``bias`` ``(C,)``
    when ``affine``. ``GroupNorm(1, C)`` normalises a whole sample, ``GroupNorm(C, C)``
    each channel (instance norm with a per-channel affine).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.num_groups = checks.integer(num_groups, "num_groups", "GroupNorm", minimum=1)
        self.num_channels = checks.integer(num_channels, "num_channels", "GroupNorm", minimum=1)
        checks.divisible(self.num_channels, "num_channels", self.num_groups, "num_groups",
                         "GroupNorm")
        self.eps = checks.positive(eps, "eps", "GroupNorm", allow_zero=True)
        self.affine = bool(affine)
        dtype = _checks.float_dtype(dtype, "GroupNorm")
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        shape = np.shape(x)
        if len(shape) < 2 or shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected "
                             f"an (N, {self.num_channels}, *) input, got shape {tuple(shape)}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    """Normalise each channel of each sample over its positions (PyTorch's defaults:
    no affine, no running statistics)."""

    _ndim = 0   # the batched input rank of a subclass

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.num_features = checks.integer(num_features, "num_features", name, minimum=1)
        self.eps = checks.positive(eps, "eps", name, allow_zero=True)
        self.momentum = checks.positive(momentum, "momentum", name, allow_zero=True)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dtype = _checks.float_dtype(dtype, name)
        if self.affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x):
        name = type(self).__name__
        shape = tuple(np.shape(x))
        if len(shape) not in (self._ndim - 1, self._ndim):
            raise ValueError(f"{name}: expected {self._ndim - 1}D (unbatched) or {self._ndim}D "
                             f"(batched) input, got {len(shape)}D input of shape {shape}")
        unbatched = len(shape) == self._ndim - 1
        if unbatched:
            x = x.reshape((1,) + shape) if isinstance(x, Tensor) else Tensor(x).reshape(
                (1,) + shape)
        if x.shape[1] != self.num_features and (self.affine or self.track_running_stats):
            raise ValueError(f"{name}({self.num_features}): input of shape {shape} has "
                             f"{x.shape[1]} channels, expected {self.num_features}")
        use_input_stats = self.training or not self.track_running_stats
        if self.training and self.track_running_stats:
            # PyTorch's instance norm leaves num_batches_tracked at 0 (it is kept for the keys).
            remember_state(self.running_mean, self.running_var)
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, self.momentum, self.eps)
        return out.reshape(shape) if unbatched else out

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of ``(N, C, L)`` (or unbatched ``(C, L)``) input."""

    _ndim = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``) input."""

    _ndim = 4
