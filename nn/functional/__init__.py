"""tinygrad_book.nn.functional — the graph ops behind the book's layers, imported as ``F``.

    import tinygrad_book.nn.functional as F
    y = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2)
    loss = F.cross_entropy(logits, labels)

Every op is a :class:`tinygrad_book.Function` (or a composition of them) with
PyTorch's name, signature and defaults; its backward is written with Tensor
ops, so the ops can be differentiated twice wherever the maths allows.

Grouped by kind:
  im2col       im2col, col2im (the book's), unfold, fold (PyTorch's)
  conv         conv2d, conv_transpose2d
  conv1d       conv1d (a height-one conv2d)
  embedding    embedding, one_hot
  pooling      max_pool2d, avg_pool2d, adaptive_avg_pool2d (ceil_mode for all)
  pooling1d    max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool2d
  normalization batch_norm, local_response_norm
  layer_norm   layer_norm, group_norm, instance_norm, normalize
  dropout      dropout
  resample     interpolate, dropout1d, dropout2d
  attention    scaled_dot_product_attention, multi_head_attention (MultiheadAttention's core)
  activation   relu, leaky_relu, sigmoid, logsigmoid, tanh, gelu, softmax, log_softmax
  activation_extra elu, selu, celu, silu, mish, softplus, softsign, hardtanh, relu6,
               hardswish, hardsigmoid, prelu, glu, softmin, tanhshrink, threshold
  loss         cross_entropy, nll_loss, mse_loss, binary_cross_entropy,
               binary_cross_entropy_with_logits
  loss_extra   l1_loss, smooth_l1_loss, huber_loss, kl_div
  linear       linear, flatten
  padding      pad
"""
from .activation import gelu, leaky_relu, log_softmax, logsigmoid, relu, sigmoid, softmax, tanh
from .activation_extra import (
                               celu,
                               elu,
                               glu,
                               hardsigmoid,
                               hardswish,
                               hardtanh,
                               mish,
                               prelu,
                               relu6,
                               selu,
                               silu,
                               softmin,
                               softplus,
                               softsign,
                               tanhshrink,
                               threshold,
)
from .attention import multi_head_attention, scaled_dot_product_attention
from .conv import conv2d, conv_transpose2d
from .conv1d import conv1d
from .dropout import dropout
from .embedding import embedding, one_hot
from .im2col import col2im, fold, im2col, unfold
from .layer_norm import group_norm, instance_norm, layer_norm, normalize
from .linear import flatten, linear
from .loss import cross_entropy, nll_loss
from .loss_elementwise import binary_cross_entropy, binary_cross_entropy_with_logits, mse_loss
from .loss_extra import huber_loss, kl_div, l1_loss, smooth_l1_loss
from .normalization import batch_norm, local_response_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .pooling1d import adaptive_avg_pool1d, adaptive_max_pool2d, avg_pool1d, max_pool1d
from .resample import dropout1d, dropout2d, interpolate

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "col2im", "conv2d", "conv_transpose2d", "cross_entropy",
    "dropout", "flatten", "fold", "gelu", "im2col", "leaky_relu", "linear",
    "local_response_norm", "log_softmax", "logsigmoid", "max_pool2d", "mse_loss", "nll_loss",
    "pad", "relu", "sigmoid", "softmax", "tanh", "unfold",
    "layer_norm", "group_norm", "instance_norm", "normalize",
    "elu", "selu", "celu", "silu", "mish", "softplus", "softsign", "hardtanh", "relu6",
    "hardswish", "hardsigmoid", "prelu", "glu", "softmin", "tanhshrink", "threshold",
    "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
    "embedding", "one_hot", "conv1d",
    "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool2d",
    "interpolate", "dropout1d", "dropout2d", "scaled_dot_product_attention",
    "multi_head_attention",
]
