"""Property-based tests (Hypothesis): random shapes, broadcasts and axes. Elementwise ops and
reductions match NumPy and pass gradcheck; a seeded training run repeats bit for bit.
Examples are few and tiny (gradcheck builds dense Jacobians), so the file stays within a
few seconds.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim
from tinygrad_book.data import DataLoader, TensorDataset
from tinygrad_book.testing import assert_close

pytestmark = pytest.mark.reliability



# -- elementwise ops with broadcasting -------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, np.add, None),
    "sub": (lambda a, b: a - b, np.subtract, None),
    "mul": (lambda a, b: a * b, np.multiply, None),
    "div": (lambda a, b: a / b, np.divide, 0.0),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b, 0.0),
    "maximum": (lambda a, b: tb.maximum(a, b), np.maximum, None),
}


@settings(settings.get_profile("few"))
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3))
def test_binary_ops_broadcast_like_numpy_and_pass_gradcheck(prop, data, op, shapes):
    ours, numpy_op, avoid = BINARY[op]
    a = prop.data(data.draw, shapes.input_shapes[0], away_from=avoid)
    b = prop.data(data.draw, shapes.input_shapes[1], away_from=avoid)
    if op == "maximum":  # ties have no derivative: put the operands on interleaved grids
        a, b = np.round(a / 0.4) * 0.4, np.round(b / 0.4) * 0.4 + 0.2
    x, y = prop.leaf(a), prop.leaf(b)
    out = ours(x, y)
    assert out.shape == shapes.result_shape and out.dtype == np.float64
    assert_close(out, numpy_op(a, b), rtol=1e-12)
    prop.gradcheck(ours, x, y)


UNARY = {
    "exp": (lambda x: x.exp(), np.exp, None, (-2, 2)),
    "log": (lambda x: x.log(), np.log, None, (0.2, 3)),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, None, (0.2, 3)),
    "tanh": (lambda x: x.tanh(), np.tanh, None, (-3, 3)),
    "sigmoid": (lambda x: x.sigmoid(), lambda v: 1 / (1 + np.exp(-v)), None, (-5, 5)),
    "logsigmoid": (F.logsigmoid, lambda v: -np.log1p(np.exp(-v)), None, (-5, 5)),
    "sin": (lambda x: x.sin(), np.sin, None, (-3, 3)),
    "abs": (lambda x: x.abs(), np.abs, 0.0, (-2, 2)),
    "relu": (lambda x: x.relu(), lambda v: np.maximum(v, 0), 0.0, (-2, 2)),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), lambda v: np.clip(v, -0.5, 0.5), 0.5, (0, 2)),
}


@settings(settings.get_profile("few"))
@given(data=st.data(), op=st.sampled_from(sorted(UNARY)),
       shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
def test_unary_ops_match_numpy_and_pass_gradcheck(prop, data, op, shape):
    ours, numpy_op, avoid, (low, high) = UNARY[op]
    a = prop.data(data.draw, shape, low, high, away_from=avoid)
    x = prop.leaf(a)
    out = ours(x)
    assert out.shape == shape and out.dtype == np.float64
    assert_close(out, numpy_op(a), rtol=1e-12)
    prop.gradcheck(ours, x)


# -- reductions over random axes ----------------------------------------------------------------

REDUCTIONS = {
    "sum": (lambda x, ax, kd: x.sum(axis=ax, keepdims=kd), np.sum),
    "mean": (lambda x, ax, kd: x.mean(axis=ax, keepdims=kd), np.mean),
    "max": (lambda x, ax, kd: x.max(axis=ax, keepdims=kd), np.max),
    "min": (lambda x, ax, kd: x.min(axis=ax, keepdims=kd), np.min),
    "var": (lambda x, ax, kd: x.var(axis=ax, keepdims=kd, correction=0),
            lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims)),
    "logsumexp": (lambda x, ax, kd: x.logsumexp(axis=ax, keepdims=kd),
                  lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis,
                                                          keepdims=keepdims))),
}


@st.composite
def _shape_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    signs = draw(st.lists(st.booleans(), min_size=len(axes), max_size=len(axes)))
    axis = None if not axes else tuple(a - len(shape) if neg else a
                                       for a, neg in zip(axes, signs, strict=True))
    if axis is not None and len(axis) == 1 and draw(st.booleans()):
        axis = axis[0]  # an int as well as a tuple
    return shape, axis


@settings(settings.get_profile("few"))
@given(data=st.data(), op=st.sampled_from(sorted(REDUCTIONS)), shape_axis=_shape_and_axis(),
       keepdims=st.booleans())
def test_reductions_match_numpy_over_random_axes_and_pass_gradcheck(prop, data, op, shape_axis,
                                                                    keepdims):
    shape, axis = shape_axis
    ours, reference = REDUCTIONS[op]
    # Distinct values, well apart, so max/min have one winner and a derivative.
    a = np.random.default_rng(data.draw(st.integers(0, 10_000))).permutation(
        int(np.prod(shape))).reshape(shape) * 0.37 - 1.0
    x = prop.leaf(a)
    out = ours(x, axis, keepdims)
    expected = reference(a, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    assert_close(out, expected, rtol=1e-12, atol=1e-12)
    prop.gradcheck(lambda t: ours(t, axis, keepdims), x)


# -- reproducibility -------------------------------------------------------------------------------

def _seeded_run(seed):
    """A few steps of a tiny MLP with dropout on a shuffled DataLoader: losses and weights."""
    tb.manual_seed(seed)
    rng = np.random.default_rng(1234)  # the data is fixed; only the seed varies
    data = TensorDataset(rng.standard_normal((24, 6)).astype(np.float32),
                         rng.integers(0, 3, 24))
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(2):
        for x, t in DataLoader(data, batch_size=5, shuffle=True):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), t)
            loss.backward()
            opt.step()
            losses.append(loss.data.copy())
    return np.array(losses), model.state_dict()


@settings(max_examples=4, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 31 - 1))
def test_a_seeded_training_run_is_bit_for_bit_reproducible(seed):
    losses_a, state_a = _seeded_run(seed)
    tb.randn(100)  # whatever ran in between, manual_seed resets it
    losses_b, state_b = _seeded_run(seed)
    np.testing.assert_array_equal(losses_a, losses_b)
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key], err_msg=key)
    # The seed does matter: weights, dropout masks and batch order all come from it.
    losses_c, _ = _seeded_run(seed + 1)
    assert not np.array_equal(losses_a, losses_c)
