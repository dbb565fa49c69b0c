"""Shape ops: reshape, permute, expand, indexing, concatenation, padding.

None of these change values, only where they sit, so each backward moves the
gradient back to where its input's elements came from.
"""
import numpy as np

from ..autograd import Function


class Reshape(Function):
    """Same elements, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class Permute(Function):
    """Axes reordered by ``axes``; the gradient is permuted by the inverse order."""

    @staticmethod
    def forward(ctx, a, axes):
        ctx.inverse = tuple(np.argsort(axes))
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.permute(*ctx.inverse), None


class Expand(Function):
    """A broadcast view to ``shape``; the engine sums the gradient back."""

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None


class GetItem(Function):
    """``a[index]`` for basic and advanced indices; backward scatters the gradient."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.in_shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, ctx.in_shape, ctx.index), None


class IndexAdd(Function):
    """zeros(shape) with ``g`` added at ``index`` (repeated indices add up).

    GetItem's backward, and GetItem is in turn its backward, so indexing is
    differentiable to any order.
    """

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g  # a basic index never names an element twice
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.index], None, None


def _is_basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class Concatenate(Function):
    """Tensors joined along ``axis``; the gradient is sliced back into pieces."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.axis + (slice(start, start + size),)
            grads.append(g[index])
            start += size
        return tuple(grads)


class Stack(Function):
    """Tensors of one shape stacked along a new ``axis``."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.count = len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return tuple(g[(slice(None),) * ctx.axis + (i,)] for i in range(ctx.count))


class Pad(Function):
    """Constant padding; ``pad_width`` is NumPy's ((before, after), ...) per axis."""

    @staticmethod
    def forward(ctx, a, pad_width, value=0.0):
        ctx.crop = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, a.shape))
        return np.pad(a, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.crop], None
