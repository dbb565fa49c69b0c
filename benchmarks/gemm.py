"""The matrix products inside a workload, and NumPy's own rate on them: the practical ceiling.

A convolution done by im2col is one product per pass (book section 7.4.3):

    forward          W (OC, C·KH·KW)  @ cols (C·KH·KW, N·OH·OW)
    input gradient   Wᵀ (C·KH·KW, OC) @ g (OC, N·OH·OW)         (then col2im)
    weight gradient  g (OC, N·OH·OW)  @ colsᵀ (N·OH·OW, C·KH·KW)

and an affine layer likewise (x W ᵀ, g W, gᵀ x). A product is written as its
shape ``(M, K, N)``: an (M, K) matrix times a (K, N) matrix, 2·M·K·N FLOPs.
Whatever a framework does around these products (im2col, col2im, pooling,
the graph) only adds time, so the time NumPy needs for the products alone is
the practical lower bound for a NumPy framework on this machine.
"""
import numpy as np

from .timing import interleaved_times


def flops(shapes):
    """Floating point operations of the products ``shapes`` [(M, K, N), ...]."""
    return sum(2 * m * k * n for m, k, n in shapes)


def conv_products(n, c, oc, kernel, out_hw, input_grad=True, weight_grad=True, train=True):
    """The products of one conv2d: forward, and in training the input and weight gradients."""
    ckk = c * kernel[0] * kernel[1]
    p = n * out_hw[0] * out_hw[1]
    shapes = [(oc, ckk, p)]
    if train:
        if input_grad:
            shapes.append((ckk, oc, p))
        if weight_grad:
            shapes.append((oc, p, ckk))
    return shapes


def linear_products(n, fan_in, fan_out, input_grad=True, train=True):
    """The products of one affine layer y = x Wᵀ + b on an (n, fan_in) batch."""
    shapes = [(n, fan_in, fan_out)]
    if train:
        if input_grad:
            shapes.append((n, fan_out, fan_in))
        shapes.append((fan_out, n, fan_in))
    return shapes


def model_products(model, example, train):
    """Every product one forward (and, if ``train``, backward) pass of a model computes.

    Runs ``model(example)`` once under ``no_grad`` with forward hooks on its
    Conv2d and Linear layers to learn their input and output shapes. The
    first such layer gets no input gradient, as the input needs none.
    """
    import tinygrad_book as tb
    from tinygrad_book import nn

    seen = []

    def hook(module, args, out):
        seen.append((module, args[0].shape, out.shape))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        with tb.no_grad():
            model(example)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    shapes = []
    for i, (module, in_shape, out_shape) in enumerate(seen):
        if isinstance(module, nn.Conv2d):
            shapes += conv_products(in_shape[0], module.in_channels, module.out_channels,
                                    module.kernel_size, out_shape[2:], input_grad=i > 0,
                                    train=train)
        else:
            rows = int(np.prod(in_shape[:-1]))
            shapes += linear_products(rows, module.in_features, module.out_features,
                                      input_grad=i > 0, train=train)
    return shapes


class GemmCeiling:
    """NumPy's time for products of given shapes at the current thread count, cached.

    Each shape is timed twice, as A @ B and as the transposed product Bᵀ @ Aᵀ,
    both with C-contiguous float32 operands; the faster counts (OpenBLAS's
    speed depends a lot on which operand is the long one).
    """

    def __init__(self, repeats, min_sample, budget, dtype=np.float32):
        self.repeats, self.min_sample, self.budget = repeats, min_sample, budget
        self.dtype = dtype
        self._cache = {}
        self._rng = np.random.default_rng(0)

    def seconds(self, shape, threads):
        key = (tuple(shape), threads)
        if key not in self._cache:
            m, k, n = shape
            a = self._rng.standard_normal((m, k), dtype=self.dtype)
            b = self._rng.standard_normal((k, n), dtype=self.dtype)
            at, bt = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)
            timings = interleaved_times({"A@B": lambda: np.matmul(a, b),
                                         "(BᵀAᵀ)": lambda: np.matmul(bt, at)},
                                        self.repeats, self.min_sample, self.budget / 2)
            self._cache[key] = min(t.median for t in timings.values())
        return self._cache[key]

    def total_seconds(self, shapes, threads):
        """Time of all ``shapes`` in sequence (a shape listed twice counts twice)."""
        return sum(self.seconds(s, threads) for s in shapes)
