"""tinygrad_book.nn.functional (import as ``F``): the graph ops of the book's layers."""
from .conv import conv2d, conv_transpose2d
from .im2col import col2im, fold, im2col, unfold
from .linear import flatten, linear, pad
