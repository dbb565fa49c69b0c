"""Every differentiable op of the library passes gradcheck_property on drawn inputs.

One row per op in CASES: a builder ``build(draw) -> (fn, inputs)`` (most made by the
helpers below) and the op's kinks. Add a row when you add an op. Shapes stay tiny and
examples few (EXAMPLES) so that the whole table runs in seconds; a nightly run can ask
for more with ``pytest --gradcheck-examples 200``.

Not rows: ops without a gradient (comparisons, logical and bitwise ops, argmax/argsort,
nonzero, unique, isnan...) and in-place ops (refused on a tensor that requires grad).
"""
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import strategies as st

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book.random import default_generator
from tinygrad_book.testing import gradcheck_property
from tinygrad_book.testing.strategies import axes, broadcastable_shapes, shapes, tensors

EXAMPLES = 5
SMALL = shapes(max_dims=3, max_side=3)
BATCHED = shapes(min_dims=1, max_dims=3, max_side=3)


class Case(NamedTuple):
    build: object
    kinks: tuple = (0.0,)


def _x(shape=SMALL, lo=None, hi=None, grad=True):
    elements = None if lo is None else st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return tensors(shape, elements=elements, requires_grad=grad)


def unary(fn, lo=None, hi=None, kinks=(0.0,)):
    """fn(x) on a tensor of any small shape with values in [lo, hi]."""
    return Case(lambda draw: (fn, draw(_x(SMALL, lo, hi))), kinks)


def binary(fn, lo=None, hi=None, lo_b=None, hi_b=None, kinks=(0.0,)):
    """fn(a, b) on two tensors of mutually broadcastable shapes."""
    def build(draw):
        sa, sb = draw(broadcastable_shapes(2, max_dims=3, max_side=3))
        return fn, (draw(_x(sa, lo, hi)), draw(_x(sb, lo_b, hi_b)))
    return Case(build, kinks)


def along(fn, lo=None, hi=None, kinks=(0.0,), tuples=True, min_side=1):
    """fn(x, axis) for a drawn axis (negative ones and tuples included)."""
    def build(draw):
        shape = draw(shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=3))
        axis = draw(axes(len(shape), allow_tuple=tuples))
        return (lambda x: fn(x, axis)), draw(_x(shape, lo, hi))
    return Case(build, kinks)


def fixed(fn, *specs, kinks=(0.0,)):
    """fn on tensors of fixed shapes (a spec may be (shape, lo, hi) or a strategy)."""
    def build(draw):
        made = []
        for spec in specs:
            if isinstance(spec, st.SearchStrategy):
                made.append(draw(spec))
            elif spec and isinstance(spec[0], tuple):
                made.append(draw(_x(*spec)))
            else:
                made.append(draw(_x(spec)))
        return fn, made
    return Case(build, kinks)


def _index(high, shape):
    return tb.tensor(np.random.default_rng(0).integers(0, high, size=shape))


def _same_mask(fn):
    """Random ops draw the same mask on every call of one gradcheck."""
    state = default_generator().bit_generator.state

    def call(*args):
        default_generator().bit_generator.state = state
        return fn(*args)
    return call


INTEGERS = tuple(float(k) for k in range(-3, 4))
HALVES = tuple(k + 0.5 for k in range(-3, 3))
POSITIVE = (0.2, 2.0)
UNIT = (-0.9, 0.9)
SEVENTHS = tuple(0.7 * k for k in range(-4, 5))  # where fmod/remainder by 0.7 jump

CASES = {
    # -- elementwise, one input ----------------------------------------------------------------
    "abs": unary(lambda x: x.abs()),
    "acos": unary(tb.acos, *UNIT), "acosh": unary(tb.acosh, 1.2, 3.0),
    "asin": unary(tb.asin, *UNIT), "asinh": unary(tb.asinh), "atan": unary(tb.atan),
    "atanh": unary(tb.atanh, *UNIT),
    "ceil": unary(tb.ceil, kinks=INTEGERS), "floor": unary(tb.floor, kinks=INTEGERS),
    "trunc": unary(tb.trunc, kinks=INTEGERS), "frac": unary(tb.frac, kinks=INTEGERS),
    "round": unary(tb.round, kinks=HALVES), "sign": unary(tb.sign),
    "clamp": unary(lambda x: x.clamp(-0.5, 0.5), kinks=(-0.5, 0.5)),
    "cos": unary(lambda x: x.cos()), "cosh": unary(tb.cosh), "sin": unary(lambda x: x.sin()),
    "sinh": unary(tb.sinh), "tan": unary(tb.tan, -1.2, 1.2), "tanh": unary(lambda x: x.tanh()),
    "erf": unary(tb.erf), "erfinv": unary(tb.erfinv, *UNIT),
    "exp": unary(lambda x: x.exp()), "exp2": unary(tb.exp2), "expm1": unary(tb.expm1),
    "log": unary(lambda x: x.log(), *POSITIVE), "log10": unary(tb.log10, *POSITIVE),
    "log2": unary(tb.log2, *POSITIVE), "log1p": unary(tb.log1p, -0.5, 2.0),
    "sqrt": unary(lambda x: x.sqrt(), *POSITIVE), "rsqrt": unary(tb.rsqrt, *POSITIVE),
    "reciprocal": unary(tb.reciprocal, *POSITIVE), "neg": unary(lambda x: -x),
    "square": unary(tb.square), "pow_scalar": unary(lambda x: x ** 3),
    "sigmoid": unary(lambda x: x.sigmoid()), "relu": unary(lambda x: x.relu()),
    "clone": unary(lambda x: x.clone()), "contiguous": unary(lambda x: x.contiguous()),
    # -- elementwise, two or three inputs (broadcasting) ----------------------------------------
    "add": binary(lambda a, b: a + b), "sub": binary(lambda a, b: a - b),
    "mul": binary(lambda a, b: a * b), "div": binary(lambda a, b: a / b, lo_b=0.3, hi_b=2.0),
    "pow": binary(lambda a, b: a ** b, *POSITIVE), "maximum": binary(tb.maximum),
    "minimum": binary(tb.minimum), "atan2": binary(tb.atan2, lo_b=0.3, hi_b=2.0),
    "hypot": binary(tb.hypot, *POSITIVE), "logaddexp": binary(tb.logaddexp),
    "xlogy": binary(tb.xlogy, lo_b=0.3, hi_b=2.0), "copysign": binary(tb.copysign),
    "lerp": fixed(tb.lerp, (2, 3), (3,), ((2, 1), 0.0, 1.0)),
    "where": fixed(lambda a, b: tb.where(a.data > 0, a, b), (2, 3), (3,)),
    "fmod": unary(lambda x: tb.fmod(x, 0.7), kinks=SEVENTHS),
    "remainder": unary(lambda x: tb.remainder(x, 0.7), kinks=SEVENTHS),
    "floor_divide": unary(lambda x: tb.floor_divide(x, 0.7), kinks=SEVENTHS),
    "masked_fill": fixed(lambda a: a.masked_fill(tb.tensor([True, False, True]), 0.5), (2, 3)),
    # -- matrix products ------------------------------------------------------------------------
    "matmul": fixed(lambda a, b: a @ b, (2, 3), (3, 2)),
    "matmul_vector": fixed(lambda a, b: a @ b, (3,), (3, 2)),
    "matmul_batched": fixed(lambda a, b: a @ b, (2, 2, 3), (3, 2)),
    "mm": fixed(tb.mm, (2, 3), (3, 2)), "mv": fixed(tb.mv, (2, 3), (3,)),
    "bmm": fixed(tb.bmm, (2, 2, 3), (2, 3, 2)), "dot": fixed(tb.dot, (3,), (3,)),
    "inner": fixed(tb.inner, (2, 3), (3,)), "outer": fixed(tb.outer, (2,), (3,)),
    "addmm": fixed(tb.addmm, (2,), (2, 3), (3, 2)), "addmv": fixed(tb.addmv, (2,), (2, 3), (3,)),
    "baddbmm": fixed(tb.baddbmm, (2, 2), (2, 2, 3), (2, 3, 2)),
    "cross": fixed(tb.cross, (2, 3), (2, 3)), "trace": fixed(tb.trace, (3, 3)),
    "einsum": fixed(lambda a, b: tb.einsum("ij,jk->ik", a, b), (2, 3), (3, 2)),
    "vector_norm": unary(lambda x: tb.linalg.vector_norm(x)),
    "matrix_norm": fixed(lambda x: tb.linalg.matrix_norm(x), (2, 3)),
    # -- reductions and scans over drawn axes ---------------------------------------------------
    "sum": along(lambda x, a: x.sum(axis=a)), "mean": along(lambda x, a: x.mean(axis=a)),
    "max": along(lambda x, a: x.max(axis=a)), "min": along(lambda x, a: x.min(axis=a)),
    "var": along(lambda x, a: x.var(axis=a), min_side=2),  # one element: nan, as PyTorch
    "std": along(lambda x, a: x.std(axis=a), min_side=2),
    "logsumexp": along(lambda x, a: x.logsumexp(axis=a)),
    "prod": along(lambda x, a: x.prod(axis=a)),
    "amax": along(lambda x, a: x.amax(axis=a)), "amin": along(lambda x, a: x.amin(axis=a)),
    "aminmax": along(lambda x, a: x.aminmax(axis=a), tuples=False),
    "nansum": along(lambda x, a: x.nansum(axis=a)),
    "nanmean": along(lambda x, a: x.nanmean(axis=a)),
    "var_mean": along(lambda x, a: x.var_mean(axis=a), min_side=2),
    "std_mean": along(lambda x, a: x.std_mean(axis=a), min_side=2),
    "norm": along(lambda x, a: x.norm(dim=a)),
    "softmax": along(lambda x, a: F.softmax(x, dim=a), tuples=False),
    "log_softmax": along(lambda x, a: F.log_softmax(x, dim=a), tuples=False),
    "softmin": along(lambda x, a: F.softmin(x, dim=a), tuples=False),
    "cumsum": along(lambda x, a: tb.cumsum(x, a), tuples=False),
    "cumprod": along(lambda x, a: tb.cumprod(x, a), tuples=False),
    "cummax": along(lambda x, a: tb.cummax(x, a)[0], tuples=False),
    "cummin": along(lambda x, a: tb.cummin(x, a)[0], tuples=False),
    "logcumsumexp": along(lambda x, a: tb.logcumsumexp(x, a), tuples=False),
    "sort": along(lambda x, a: tb.sort(x, a)[0], tuples=False),
    "median": along(lambda x, a: tb.median(x, a)[0], tuples=False),
    "mode": along(lambda x, a: tb.mode(x, a)[0], tuples=False),
    "kthvalue": along(lambda x, a: tb.kthvalue(x, 1, a)[0], tuples=False),
    "topk": along(lambda x, a: tb.topk(x, 1, a)[0], tuples=False),
    "msort": unary(tb.msort),
    # -- shape and indexing -------------------------------------------------------------------
    "reshape": fixed(lambda x: x.reshape(3, 2), (2, 3)),
    "permute": fixed(lambda x: x.permute(2, 0, 1), (2, 3, 1)),
    "transpose": fixed(lambda x: x.transpose(0, -1), (2, 3)),
    "movedim": fixed(lambda x: tb.movedim(x, 0, -1), (2, 3, 1)),
    "squeeze": fixed(lambda x: x.squeeze(1), (2, 1, 3)),
    "unsqueeze": along(lambda x, a: x.unsqueeze(a), tuples=False),
    "expand": fixed(lambda x: x.expand(2, 3), (1, 3)),
    "flatten": fixed(lambda x: x.flatten(), (2, 3)),
    "unflatten": fixed(lambda x: tb.unflatten(x, 1, (2, 2)), (3, 4)),
    "flip": along(lambda x, a: tb.flip(x, a)), "roll": fixed(lambda x: tb.roll(x, 1, 0), (3, 2)),
    "tile": fixed(lambda x: tb.tile(x, (2, 1)), (2, 3)),
    "repeat": fixed(lambda x: x.repeat(2, 1), (2, 3)),
    "repeat_interleave": fixed(lambda x: tb.repeat_interleave(x, 2, 0), (2, 3)),
    "narrow": fixed(lambda x: tb.narrow(x, 1, 1, 2), (2, 3)),
    "select": fixed(lambda x: tb.select(x, 1, -1), (2, 3)),
    "getitem": fixed(lambda x: x[1:, ::-2], (3, 3)),
    "getitem_advanced": fixed(lambda x: x[[0, 2, 0]], (3, 2)),
    "take": fixed(lambda x: tb.take(x, _index(6, (4,))), (2, 3)),
    "take_along_dim": fixed(lambda x: tb.take_along_dim(x, _index(3, (2, 3)), 1), (2, 3)),
    "gather": fixed(lambda x: tb.gather(x, 1, _index(3, (2, 2))), (2, 3)),
    "index_select": fixed(lambda x: tb.index_select(x, 0, _index(2, (3,))), (2, 3)),
    "index_add": fixed(lambda x, s: tb.index_add(x, 0, tb.tensor([1, 0, 1]), s),
                       (2, 3), (3, 3)),
    "scatter": fixed(lambda x, s: tb.scatter(x, 1, tb.tensor([[2], [0]]), s), (2, 3), (2, 1)),
    "scatter_add": fixed(lambda x, s: tb.scatter_add(x, 1, _index(3, (2, 2)), s),
                         (2, 3), (2, 2)),
    "scatter_reduce": fixed(
        lambda x, s: tb.scatter_reduce(x, 1, _index(3, (2, 2)), s, "sum"), (2, 3), (2, 2)),
    "masked_select": fixed(lambda x: tb.masked_select(x, tb.tensor([True, False, True])),
                           (2, 3)),
    "diag": fixed(tb.diag, (3,)), "diag_embed": fixed(tb.diag_embed, (2, 3)),
    "diagonal": fixed(tb.diagonal, (3, 3)), "tril": fixed(tb.tril, (3, 3)),
    "triu": fixed(tb.triu, (3, 3)),
    "cat": fixed(lambda a, b: tb.cat([a, b], axis=-1), (2, 1), (2, 3)),
    "stack": fixed(lambda a, b: tb.stack([a, b], axis=1), (2, 3), (2, 3)),
    "split": fixed(lambda x: x.split(1, axis=0)[1], (3, 2)),
    "chunk": fixed(lambda x: x.chunk(2, 1)[0], (2, 3)),
    "pad": fixed(lambda x: tb.pad(x, ((1, 0), (0, 2))), (2, 3)),
    "unfold_tensor": fixed(lambda x: x.unfold(0, 2, 1), (4,)),
    # aliases and spellings of the rows above, so each name a user may call is covered
    "T": fixed(lambda x: x.T, (2, 3)), "view": fixed(lambda x: x.view(3, 2), (2, 3)),
    "broadcast_to": fixed(lambda x: x.broadcast_to((2, 3)), (3,)),
    "swapaxes": fixed(lambda x: x.swapaxes(0, 1), (2, 3)),
    "moveaxis": fixed(lambda x: x.moveaxis(-1, 0), (2, 3)),
    "fliplr": fixed(tb.fliplr, (2, 3)), "flipud": fixed(tb.flipud, (2, 3)),
    "clip": unary(lambda x: x.clip(-0.5, 0.5), kinks=(-0.5, 0.5)),
    "true_divide": binary(tb.true_divide, lo_b=0.3, hi_b=2.0),
    "astype_float64": unary(lambda x: x.astype("float64") * 2.0),
    # -- nn.functional: activations -----------------------------------------------------------
    "celu": unary(F.celu), "elu": unary(F.elu), "selu": unary(F.selu), "gelu": unary(F.gelu),
    "gelu_tanh": unary(lambda x: F.gelu(x, approximate="tanh")),
    "glu": fixed(F.glu, (2, 4)), "silu": unary(F.silu), "mish": unary(F.mish),
    "softplus": unary(F.softplus), "softsign": unary(F.softsign),
    "tanhshrink": unary(F.tanhshrink), "logsigmoid": unary(F.logsigmoid),
    "leaky_relu": unary(F.leaky_relu), "relu6": unary(F.relu6, -1.0, 7.0, kinks=(0.0, 6.0)),
    "hardtanh": unary(F.hardtanh, kinks=(-1.0, 1.0)),
    "hardsigmoid": unary(F.hardsigmoid, -4.0, 4.0, kinks=(-3.0, 3.0)),
    "hardswish": unary(F.hardswish, -4.0, 4.0, kinks=(-3.0, 3.0)),
    "threshold": unary(lambda x: F.threshold(x, 0.25, -1.0), kinks=(0.25,)),
    "prelu": fixed(F.prelu, (2, 3, 2), (3,)),
    "normalize": fixed(F.normalize, (2, 3)),
    "dropout": unary(_same_mask(lambda x: F.dropout(x, 0.3))),
    "dropout1d": fixed(_same_mask(lambda x: F.dropout1d(x, 0.3)), (2, 3, 2)),
    "dropout2d": fixed(_same_mask(lambda x: F.dropout2d(x, 0.3)), (2, 3, 2, 2)),
    # -- nn.functional: losses ----------------------------------------------------------------
    "mse_loss": fixed(F.mse_loss, (2, 3), (2, 3)),
    "l1_loss": fixed(F.l1_loss, (2, 3), (2, 3)),
    "smooth_l1_loss": fixed(lambda a, b: F.smooth_l1_loss(a, b, beta=0.37), (2, 3), (2, 3)),
    "huber_loss": fixed(lambda a, b: F.huber_loss(a, b, delta=0.37), (2, 3), (2, 3)),
    "cross_entropy": fixed(lambda x: F.cross_entropy(x, tb.tensor([2, 0])), (2, 3)),
    "cross_entropy_smoothed": fixed(
        lambda x: F.cross_entropy(x, tb.tensor([2, 0]), label_smoothing=0.1), (2, 3)),
    "nll_loss": fixed(lambda x: F.nll_loss(x, tb.tensor([1, 0])), (2, 3)),
    "kl_div": fixed(lambda x, t: F.kl_div(x, t, reduction="batchmean"), (2, 3),
                    ((2, 3), 0.1, 1.0)),
    "binary_cross_entropy": fixed(F.binary_cross_entropy, ((2, 3), 0.05, 0.95),
                                  _x((2, 3), 0.0, 1.0, grad=False)),
    "binary_cross_entropy_with_logits": fixed(F.binary_cross_entropy_with_logits, (2, 3),
                                              _x((2, 3), 0.0, 1.0, grad=False)),
    # -- nn.functional: layers ----------------------------------------------------------------
    "linear": fixed(F.linear, (2, 3), (4, 3), (4,)),
    "conv2d": fixed(lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1),
                    (1, 2, 3, 3), (2, 2, 2, 2), (2,)),
    "conv2d_strided_dilated_grouped": fixed(
        lambda x, w: F.conv2d(x, w, stride=2, dilation=2, groups=2), (1, 2, 5, 5), (2, 1, 2, 2)),
    "conv_transpose2d": fixed(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
                              (1, 2, 2, 2), (2, 1, 3, 3), (1,)),
    "conv1d": fixed(lambda x, w, b: F.conv1d(x, w, b, padding=1), (2, 2, 4), (3, 2, 2), (3,)),
    "max_pool1d": fixed(lambda x: F.max_pool1d(x, 2, stride=1), (1, 2, 4)),
    "avg_pool1d": fixed(lambda x: F.avg_pool1d(x, 2, stride=1, padding=1), (1, 2, 4)),
    "adaptive_avg_pool1d": fixed(lambda x: F.adaptive_avg_pool1d(x, 2), (1, 2, 5)),
    "adaptive_max_pool2d": fixed(lambda x: F.adaptive_max_pool2d(x, (2, 2)), (1, 1, 3, 3)),
    "interpolate_bilinear": fixed(
        lambda x: F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=False),
        (1, 1, 2, 3)),
    "interpolate_nearest": fixed(lambda x: F.interpolate(x, scale_factor=2), (1, 1, 2, 2)),
    "embedding": fixed(lambda w: F.embedding(tb.tensor([[0, 2], [2, 1]]), w), (3, 2)),
    "scaled_dot_product_attention": fixed(F.scaled_dot_product_attention, (1, 2, 3), (1, 2, 3),
                                          (1, 2, 3)),
    "scaled_dot_product_attention_causal": fixed(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), (2, 3, 2),
        (2, 3, 2), (2, 3, 2)),
    "multi_head_attention": fixed(
        lambda q, k, v: F.multi_head_attention(q, k, v, 2, key_padding_mask=tb.tensor(
            [[False, False, True]]))[0], (1, 2, 4), (1, 3, 4), (1, 3, 4)),
    "max_pool2d": fixed(lambda x: F.max_pool2d(x, 2, stride=1, padding=1), (1, 1, 3, 3)),
    "avg_pool2d": fixed(lambda x: F.avg_pool2d(x, 2, stride=1, padding=1), (1, 1, 3, 3)),
    "adaptive_avg_pool2d": fixed(lambda x: F.adaptive_avg_pool2d(x, (2, 1)), (1, 1, 3, 3)),
    "batch_norm": fixed(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                        (3, 2), (2,), (2,)),
    "layer_norm": fixed(lambda x, w, b: F.layer_norm(x, (3,), w, b), (2, 3), (3,), (3,)),
    "group_norm": fixed(lambda x: F.group_norm(x, 2), (2, 4, 2)),
    "instance_norm": fixed(F.instance_norm, (2, 2, 3)),
    "local_response_norm": fixed(lambda x: F.local_response_norm(x, 2), (1, 3, 2, 2)),
    "im2col": fixed(lambda x: F.im2col(x, 2, stride=1, padding=1), (1, 1, 2, 3)),
    "col2im": fixed(lambda c: F.col2im(c, (1, 1, 3, 3), 2), (4, 4)),
    "unfold": fixed(lambda x: F.unfold(x, 2), (1, 2, 3, 3)),
    "fold": fixed(lambda x: F.fold(x, (3, 3), 2), (1, 4, 4)),
    "F.pad_reflect": fixed(lambda x: F.pad(x, (1, 1), mode="reflect"), (1, 2, 3)),
    "F.pad_replicate": fixed(lambda x: F.pad(x, (2, 1), mode="replicate"), (1, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_library_op_passes_gradcheck_property(name):
    case = CASES[name]

    def build(draw):
        return case.build(draw)
    build.__qualname__ = f"CASES[{name!r}]"  # what a failure report calls it
    gradcheck_property(max_examples=EXAMPLES, seed=0, kinks=case.kinks)(build)()
