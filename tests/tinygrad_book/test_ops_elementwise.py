"""gradcheck/gradgradcheck of the elementwise ops, with broadcasting across ranks."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.testing import assert_close, assert_gradcheck

# Operand shapes for binary ops: equal, trailing broadcast, operands of different
# rank on either side, size-1 axes broadcast in both directions, and 0-d.
BINARY_SHAPES = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 1, 3), (4, 1)),
    ((4, 1), (2, 1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
]


def positive(shape, seed):
    """float64 leaf in [0.5, 2): a safe domain for log, sqrt and denominators."""
    rng = np.random.default_rng(seed)
    return tb.Tensor(rng.uniform(0.5, 2.0, size=shape), requires_grad=True)


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "maximum", "minimum"])
def test_binary_ops_gradcheck_with_broadcasting(op, shapes):
    fns = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "maximum": tb.maximum, "minimum": tb.minimum}
    a, b = assert_gradcheck(fns[op], *shapes, second_order=True)
    out = fns[op](a, b)
    assert out.shape == np.broadcast_shapes(*shapes)
    assert a.grad is None and b.grad is None  # gradcheck leaves .grad alone


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_div_gradcheck_with_broadcasting(shapes):
    numerator = tb.Tensor(np.random.default_rng(1).uniform(-1, 1, shapes[0]), requires_grad=True)
    assert_gradcheck(lambda a, b: a / b, numerator, positive(shapes[1], 2), second_order=True)


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_pow_with_tensor_exponent_gradcheck(shapes):
    exponent = tb.Tensor(np.random.default_rng(3).uniform(-2, 2, shapes[1]), requires_grad=True)
    assert_gradcheck(lambda a, b: a ** b, positive(shapes[0], 4), exponent, second_order=True)


@pytest.mark.parametrize("fn", [lambda a: a ** 2, lambda a: a ** 3.0, lambda a: a ** -1.5,
                                lambda a: a ** 0.5, lambda a: 2.0 ** a, lambda a: 1.0 / a,
                                lambda a: 3.0 - a, lambda a: 2 * a + 1],
                         ids=["sq", "cube", "neg-frac", "sqrt", "rpow", "rdiv", "rsub", "affine"])
def test_scalar_operand_gradcheck(fn):
    assert_gradcheck(fn, positive((2, 3), 5), second_order=True)


def test_pow_of_negative_base_with_integer_exponent():
    x = tb.tensor([-2.0, -0.5, 1.5], dtype=np.float64, requires_grad=True)
    assert_gradcheck(lambda a: a ** 3, x, second_order=True)
    (x ** 3).sum().backward()
    assert_close(x.grad, 3 * x.data ** 2)


def test_pow_exponent_gradient_is_zero_where_base_is_zero():
    base = tb.tensor([0.0, 2.0], dtype=np.float64)
    exponent = tb.tensor([2.0, 3.0], dtype=np.float64, requires_grad=True)
    (base ** exponent).sum().backward()
    assert_close(exponent.grad, [0.0, 8.0 * np.log(2.0)])


def test_pow_base_gradient_is_zero_where_the_exponent_is_zero():
    # d(a^0)/da = 0 everywhere, also at a = 0 where b * a^(b-1) is 0 * inf (PyTorch gives 0).
    x = tb.tensor([0.0, 2.0], dtype=np.float64, requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    base = tb.tensor([0.0, 2.0, 0.0], dtype=np.float64, requires_grad=True)
    exponent = tb.tensor([0.0, 0.0, 2.0], dtype=np.float64, requires_grad=True)
    (base ** exponent).sum().backward()
    assert base.grad.tolist() == [0.0, 0.0, 0.0]
    assert_close(exponent.grad, [0.0, np.log(2.0), 0.0])


UNARY = {
    "neg": (lambda a: -a, (-1, 1)),
    "exp": (lambda a: a.exp(), (-1, 1)),
    "log": (lambda a: a.log(), (0.5, 2)),
    "sqrt": (lambda a: a.sqrt(), (0.5, 2)),
    "abs": (lambda a: a.abs(), (-1, 1)),
    "builtin-abs": (lambda a: abs(a), (-1, 1)),
    "sin": (lambda a: a.sin(), (-3, 3)),
    "cos": (lambda a: a.cos(), (-3, 3)),
    "tanh": (lambda a: a.tanh(), (-2, 2)),
    "sigmoid": (lambda a: a.sigmoid(), (-4, 4)),
    "relu": (lambda a: a.relu(), (-1, 1)),
    "square": (lambda a: a.square(), (-1, 1)),
    "clamp": (lambda a: a.clamp(-0.3, 0.4), (-1, 1)),
    "clamp-min": (lambda a: a.clamp(min=0.1), (-1, 1)),
    "clip-max": (lambda a: a.clip(max=-0.2), (-1, 1)),
    "clone": (lambda a: a.clone(), (-1, 1)),
}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_ops_gradcheck(name, shape):
    fn, (low, high) = UNARY[name]
    assert_gradcheck(fn, shape, low=low, high=high, second_order=True, seed=len(shape))


@pytest.mark.parametrize("name,fn,derivative", [
    ("exp", np.exp, np.exp),
    ("log", np.log, lambda x: 1 / x),
    ("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    ("sin", np.sin, np.cos),
    ("cos", np.cos, lambda x: -np.sin(x)),
    ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)),
     lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
], ids=lambda v: v if isinstance(v, str) else "")
def test_unary_values_and_gradients_match_formulas(name, fn, derivative):
    data = np.array([0.3, 0.9, 1.7])
    x = tb.tensor(data, requires_grad=True)
    y = getattr(x, name)()
    assert_close(y, fn(data), rtol=1e-12)
    y.sum().backward()
    assert_close(x.grad, derivative(data), rtol=1e-12)


def test_relu_abs_and_clamp_gradients_at_the_kinks():
    x = tb.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    x.grad = None
    x.abs().sum().backward()
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]
    x.grad = None
    # Bounds are inside the clamp's range, as in PyTorch.
    x.clamp(-1.0, 0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0]


def test_maximum_and_minimum_split_the_gradient_at_ties():
    a = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tb.tensor([1.0, 5.0, 0.0], requires_grad=True)
    tb.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0]
    assert b.grad.tolist() == [0.5, 1.0, 0.0]
    a.grad = b.grad = None
    a.minimum(b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0]
    assert b.grad.tolist() == [0.5, 0.0, 1.0]


def test_maximum_with_a_scalar_on_either_side():
    x = tb.tensor([-1.0, 2.0], requires_grad=True)
    assert tb.maximum(x, 0.0).tolist() == [0.0, 2.0]
    assert tb.maximum(0.0, x).tolist() == [0.0, 2.0]
    assert tb.minimum(x, 0.0).tolist() == [-1.0, 0.0]


def test_sigmoid_is_finite_for_huge_inputs():
    x = tb.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    y = x.sigmoid()
    assert y.tolist() == [0.0, 0.5, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.25, 0.0]


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)),
                                    ((3,), (2, 3), ()), ((2, 1, 3), (4, 1), (3,))], ids=str)
def test_where_gradcheck_with_broadcasting(shapes):
    cond_shape, a_shape, b_shape = shapes
    cond = tb.tensor(np.random.default_rng(0).random(cond_shape) > 0.5)
    assert_gradcheck(lambda a, b: tb.where(cond, a, b), a_shape, b_shape, second_order=True)


def test_where_routes_gradients_by_the_condition():
    a = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tb.tensor([10.0, 20.0, 30.0], requires_grad=True)
    cond = a > 1.5
    out = tb.where(cond, a, b)
    assert out.tolist() == [10.0, 2.0, 3.0]
    (out * tb.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert a.grad.tolist() == [0.0, 2.0, 3.0]
    assert b.grad.tolist() == [1.0, 0.0, 0.0]


def test_where_with_python_scalars_keeps_the_tensor_dtype():
    x = tb.tensor([-1.0, 2.0], requires_grad=True)
    out = tb.where(x > 0, x, 0.0)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_astype_between_float_types_is_differentiable():
    assert_gradcheck(lambda a: (a.astype(np.float32) * 3).astype(np.float64), (2, 3),
                     eps=1e-3, atol=1e-4)
    x = tb.tensor([1.5, 2.5], requires_grad=True)  # float32
    y = x.double() * x.double()
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.grad.tolist() == [3.0, 5.0]


def test_astype_to_an_integer_type_leaves_the_graph():
    x = tb.tensor([1.7, -2.2], requires_grad=True)
    n = x.long()
    assert n.dtype == np.int64 and n.tolist() == [1, -2]
    assert not n.requires_grad and n.grad_fn is None
    assert x.astype(np.float32) is x  # same dtype: no new node


def test_clone_copies_memory_and_passes_the_gradient():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn is not None and not np.shares_memory(y.data, x.data)
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
