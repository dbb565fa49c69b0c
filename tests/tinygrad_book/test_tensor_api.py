"""The Tensor's user-facing API: dtypes, attributes, conversions, repr, constructors."""
import shutil

import numpy as np
import pytest

import tinygrad_book as tb

# -- dtype rules -----------------------------------------------------------------------

@pytest.mark.parametrize("data,dtype", [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    ([[1, 2], [3.5, 4]], np.float32),
    (3, np.int64),
    ([1, 2], np.int64),
    ([True, False], np.bool_),
    (np.array([1.0, 2.0]), np.float64),
    (np.array([1.0], dtype=np.float32), np.float32),
    (np.array([1, 2], dtype=np.int32), np.int32),
    (np.float64(2.0), np.float64),
])
def test_constructor_dtypes(data, dtype):
    assert tb.tensor(data).dtype == dtype
    assert tb.Tensor(data).dtype == dtype


def test_dtype_argument_overrides():
    assert tb.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert tb.tensor([1.7], dtype="int32").tolist() == [1]
    assert tb.tensor(np.ones(2), dtype=tb.float32).dtype == np.float32


@pytest.mark.parametrize("expr,dtype", [
    (lambda f32, f64, i64: f32 * f64, np.float64),
    (lambda f32, f64, i64: f64 - f32, np.float64),
    (lambda f32, f64, i64: f32 * 2.5, np.float32),
    (lambda f32, f64, i64: 2.5 * f32, np.float32),
    (lambda f32, f64, i64: f32 + 1, np.float32),
    (lambda f32, f64, i64: f32 / 3, np.float32),
    (lambda f32, f64, i64: f32 ** 2, np.float32),
    (lambda f32, f64, i64: f32 * np.float64(2.0), np.float32),
    (lambda f32, f64, i64: f64 * 2.5, np.float64),
    (lambda f32, f64, i64: i64 * 2.5, np.float32),
    (lambda f32, f64, i64: 2.5 - i64, np.float32),
    (lambda f32, f64, i64: i64 * 2, np.int64),
    (lambda f32, f64, i64: i64 / 2, np.float32),
    (lambda f32, f64, i64: i64 / i64, np.float32),
    (lambda f32, f64, i64: i64 * f32, np.float32),
    (lambda f32, f64, i64: f64 + i64, np.float64),
    (lambda f32, f64, i64: f32 + np.ones(2), np.float64),
    (lambda f32, f64, i64: np.ones(2, dtype=np.float32) + f32, np.float32),
    (lambda f32, f64, i64: f32 @ np.ones(2, dtype=np.float32), np.float32),
    (lambda f32, f64, i64: i64 @ f32, np.float32),
    (lambda f32, f64, i64: tb.maximum(f32, 0), np.float32),
    (lambda f32, f64, i64: tb.where(f32 > 0, f32, 0.0), np.float32),
    (lambda f32, f64, i64: tb.where(f32 > 0, f32, f64), np.float64),
    (lambda f32, f64, i64: tb.where(f32 > 0, 1.0, 0.0), np.float32),
    (lambda f32, f64, i64: tb.where(f32 > 0, i64, f32), np.float32),
    (lambda f32, f64, i64: tb.where(f32 > 0, i64, 0), np.int64),
    (lambda f32, f64, i64: f32.exp().log().sqrt().tanh().sigmoid(), np.float32),
])
def test_promotion_rules(expr, dtype):
    f32 = tb.tensor([1.0, 2.0])
    f64 = tb.tensor([1.0, 2.0], dtype=np.float64)
    i64 = tb.tensor([1, 2])
    assert expr(f32, f64, i64).dtype == dtype


def test_float32_training_step_never_upcasts():
    w = tb.randn(3, 2, requires_grad=True)
    x = tb.randn(4, 3)
    loss = ((x @ w).relu() * 0.5 - 1).pow(2).mean() / 3
    assert loss.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "mean",
                                  "var", "std", "logsumexp"])
def test_maths_on_integer_tensors_gives_float32(name):
    data = np.array([1, 2, 4])
    out = getattr(tb.tensor(data), name)()
    assert out.dtype == np.float32
    reference = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "var": lambda a: a.var(ddof=1),
                 "std": lambda a: a.std(ddof=1), "mean": np.mean,
                 "logsumexp": lambda a: np.log(np.exp(a).sum())}
    expected = reference.get(name, getattr(np, name, None))(data.astype(np.float64))
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)


def test_int_tensor_division_and_bool_arithmetic():
    assert (tb.tensor([1, 2]) / 2).tolist() == [0.5, 1.0]
    assert (tb.tensor([True, False]) * 2.5).tolist() == [2.5, 0.0]
    assert (tb.tensor([True, False]) * 2.5).dtype == np.float32


# -- attributes and conversions --------------------------------------------------------

def test_shape_ndim_size_and_T():
    x = tb.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.size == 24
    assert x.numel() == 24 and x.dim() == 3 and len(x) == 2
    assert tb.zeros(2, 3).T.shape == (3, 2)
    assert x.T.shape == (4, 3, 2)


def test_data_is_writable_and_shared():
    p = tb.zeros(3, requires_grad=True)
    p.data[...] = 1.5
    p.data[0] = 2.0
    assert p.tolist() == [2.0, 1.5, 1.5]
    assert p.numpy() is p.data
    arr = np.asarray(p)
    assert arr is p.data or np.shares_memory(arr, p.data)
    assert np.array(p, dtype=np.float64).dtype == np.float64


def test_tensor_function_copies_but_constructor_shares():
    arr = np.ones(2)
    assert not np.shares_memory(tb.tensor(arr).data, arr)
    assert tb.Tensor(arr).data is arr


def test_item_and_python_conversions():
    assert tb.tensor([[2.5]]).item() == 2.5
    assert isinstance(tb.tensor(3).item(), int)
    assert float(tb.tensor(1.5)) == 1.5 and int(tb.tensor(7)) == 7
    assert bool(tb.tensor([1.0])) is True
    with pytest.raises(ValueError, match=r"item\(\): only a tensor with one element can be "
                                         r"converted to a Python number, got shape \(2,\)"):
        tb.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match=r"the truth value of a tensor of shape \(2,\) is "
                                           r"ambiguous"):
        bool(tb.tensor([1.0, 2.0]))


def test_iteration_and_len():
    rows = list(tb.tensor([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tb.tensor(1.0))


def test_detach_shares_data_and_leaves_the_graph():
    x = tb.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    assert d.data is y.data
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


def test_requires_grad_and_is_leaf():
    x = tb.ones(2)
    assert not x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="requires_grad can only be switched off on a leaf "
                                           "tensor; use .detach\\(\\)"):
        y.requires_grad = False


def test_name_is_kept():
    x = tb.Tensor([1.0], name="x")
    assert x.name == "x"
    y = x * 1
    y.name = "y"
    assert y.name == "y"


# -- comparisons ----------------------------------------------------------------------

def test_comparisons_give_bool_tensors_without_grad():
    x = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x > 1.5, [False, True, True]), (x >= 2, [False, True, True]),
                             (x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x == 2, [False, True, False]), (x != 2, [True, False, True]),
                             (x > tb.tensor([0.0, 5.0, 3.0]), [True, False, False]),
                             (np.array([2.0, 2.0, 2.0]) > x, [True, False, False])]:
        assert isinstance(result, tb.Tensor)
        assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
        assert result.tolist() == expected
    assert (x > 0).all() and (x > 2).any() and not (x > 5).any()


# -- reflected operators ----------------------------------------------------------------

def test_reflected_operators_with_scalars_and_arrays():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    assert (2 + x).tolist() == [3.0, 4.0]
    assert (2 - x).tolist() == [1.0, 0.0]
    assert (2 * x).tolist() == [2.0, 4.0]
    assert (2 / x).tolist() == [2.0, 1.0]
    assert (2 ** x).tolist() == [2.0, 4.0]
    assert (-x).tolist() == [-1.0, -2.0] and (+x) is x
    for out in (np.ones(2, np.float32) + x, np.ones(2, np.float32) * x,
                np.ones(2, np.float32) - x, np.ones(2, np.float32) / x,
                np.float32(2) * x):
        assert isinstance(out, tb.Tensor) and out.grad_fn is not None
    out = np.array([3.0, 4.0], dtype=np.float32) - x
    out.sum().backward()
    assert x.grad.tolist() == [-1.0, -1.0]


def test_method_aliases():
    x = tb.tensor([1.0, 4.0])
    assert x.add(1).tolist() == [2.0, 5.0] and x.sub(1).tolist() == [0.0, 3.0]
    assert x.mul(2).tolist() == [2.0, 8.0] and x.div(2).tolist() == [0.5, 2.0]
    assert x.pow(2).tolist() == [1.0, 16.0] and x.neg().tolist() == [-1.0, -4.0]
    assert x.matmul(x).item() == 17.0 and tb.matmul(x, x).item() == 17.0


# -- repr ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make,expected", [
    (lambda: tb.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: tb.tensor([1.0, 2.0], requires_grad=True) * 2,
     "tensor([2., 4.], grad_fn=<MulBackward>)"),
    (lambda: tb.tensor([1.0, 2.0], requires_grad=True).sum(), "tensor(3., grad_fn=<SumBackward>)"),
    (lambda: tb.tensor([1.0, 2.5]), "tensor([1.0000, 2.5000])"),
    (lambda: tb.tensor([-1.5, 2.25]), "tensor([-1.5000,  2.2500])"),
    (lambda: tb.tensor([1e-5, 1e5]), "tensor([1.0000e-05, 1.0000e+05])"),
    (lambda: tb.tensor(3.0), "tensor(3.)"),
    (lambda: tb.tensor([1.0, 2.5], dtype=np.float64), "tensor([1.0000, 2.5000], dtype=float64)"),
    (lambda: tb.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: tb.tensor([1, 2], dtype=np.int32), "tensor([1, 2], dtype=int32)"),
    (lambda: tb.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tb.zeros(0), "tensor([])"),
    (lambda: tb.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: tb.tensor([[1.0, -2.0], [3.0, 4.0]]), "tensor([[ 1., -2.],\n        [ 3.,  4.]])"),
    (lambda: tb.tensor([float("nan"), 1.0]), "tensor([nan,  1.])"),
])
def test_repr_like_pytorch(make, expected):
    assert repr(make()) == expected


def test_repr_summarises_large_tensors():
    text = repr(tb.arange(5000, dtype=np.float32))
    assert text.startswith("tensor([   0.,    1.,    2., ...,") and "4999.])" in text
    assert len(text) < 200


# -- constructors ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,shape,dtype", [
    (lambda: tb.zeros(2, 3), (2, 3), np.float32),
    (lambda: tb.zeros((2, 3), dtype=np.float64), (2, 3), np.float64),
    (lambda: tb.ones(4), (4,), np.float32),
    (lambda: tb.full((2, 2), 7.0), (2, 2), np.float32),
    (lambda: tb.full((2,), 7), (2,), np.int64),
    (lambda: tb.arange(5), (5,), np.int64),
    (lambda: tb.arange(0, 1, 0.25), (4,), np.float32),
    (lambda: tb.eye(3), (3, 3), np.float32),
    (lambda: tb.rand(2, 3), (2, 3), np.float32),
    (lambda: tb.randn(2, 3, dtype=np.float64), (2, 3), np.float64),
    (lambda: tb.zeros_like(tb.ones(2, 2, dtype=np.float64)), (2, 2), np.float64),
    (lambda: tb.ones_like(tb.zeros(3)), (3,), np.float32),
])
def test_constructors_shapes_and_dtypes(make, shape, dtype):
    t = make()
    assert t.shape == shape and t.dtype == dtype and not t.requires_grad


def test_constructor_values():
    assert tb.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert tb.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tb.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    r = tb.rand(1000)
    assert 0.0 <= r.data.min() and r.data.max() < 1.0


@pytest.mark.parametrize("make", [
    lambda: tb.zeros(2, requires_grad=True), lambda: tb.ones(2, requires_grad=True),
    lambda: tb.randn(2, requires_grad=True), lambda: tb.rand(2, requires_grad=True),
    lambda: tb.full((2,), 1.0, requires_grad=True), lambda: tb.eye(2, requires_grad=True),
    lambda: tb.zeros_like(tb.ones(2), requires_grad=True),
    lambda: tb.ones_like(tb.ones(2), requires_grad=True),
    lambda: tb.tensor([1.0], requires_grad=True),
])
def test_constructors_make_leaves_that_require_grad(make):
    t = make()
    assert t.requires_grad and t.is_leaf


def test_manual_seed_makes_random_ops_reproducible():
    tb.manual_seed(123)
    a, b = tb.randn(3, 2), tb.rand(4)
    tb.manual_seed(123)
    c, d = tb.randn(3, 2), tb.rand(4)
    np.testing.assert_array_equal(a.data, c.data)
    np.testing.assert_array_equal(b.data, d.data)
    tb.manual_seed(124)
    assert not np.array_equal(tb.randn(3, 2).data, a.data)


def test_manual_seed_validates_its_argument():
    with pytest.raises(TypeError, match=r"manual_seed\(\): seed must be an int >= 0, got float"):
        tb.manual_seed(1.5)
    with pytest.raises(ValueError, match=r"manual_seed\(\): seed must be an int >= 0, got -1"):
        tb.manual_seed(-1)
    with pytest.raises(TypeError, match=r"seed must be an int >= 0, got NoneType None"):
        tb.manual_seed(None)


def test_negative_sizes_are_refused():
    with pytest.raises(ValueError, match=r"zeros: sizes must be non-negative, got shape \(2, -1\)"):
        tb.zeros(2, -1)


# -- in-place helpers ----------------------------------------------------------------------

def test_in_place_updates_under_no_grad():
    p = tb.tensor([1.0, 4.0], requires_grad=True)
    with tb.no_grad():
        p.add_(tb.tensor([1.0, 1.0]), alpha=2).mul_(2).sub_(1.0).div_(2)
        assert p.tolist() == [2.5, 5.5]
        p.clamp_(max=5.0).sqrt_()
        np.testing.assert_allclose(p.data, np.sqrt([2.5, 5.0]))
        p.copy_(tb.tensor([1.0, 2.0])).addcmul_(tb.tensor([1.0, 1.0]), tb.tensor([2.0, 3.0]),
                                                value=0.5)
        assert p.tolist() == [2.0, 3.5]
        p.addcdiv_(tb.tensor([1.0, 1.0]), tb.tensor([2.0, 4.0])).lerp_(tb.tensor([0.0, 0.0]), 0.5)
        assert p.tolist() == [1.25, 1.875]
        p.fill_(3.0).maximum_(tb.tensor([1.0, 4.0]))
        assert p.tolist() == [3.0, 4.0]
        p.zero_()
    assert p.tolist() == [0.0, 0.0] and p.dtype == np.float32


def test_in_place_on_a_tensor_requiring_grad_is_refused_under_grad_mode():
    p = tb.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_\(\): an in-place change of a tensor that "
                                           r"requires grad would corrupt the graph"):
        p.add_(1.0)
    assert p.tolist() == [1.0, 1.0]
    p.grad = tb.ones(2)
    p.grad.mul_(3)  # .grad itself does not require grad
    assert p.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("call,kind,match", [
    (lambda p: p.add_(np.ones(4)), ValueError,
     r"add_\(\): cannot update a tensor of shape \(2, 3\) and dtype float32 in place with "
     r"shape \(4,\) dtype float64: operands could not be broadcast"),
    (lambda p: p.copy_(tb.ones(3, 2)), ValueError,
     r"copy_\(\): cannot update a tensor of shape \(2, 3\) .* with shape \(3, 2\)"),
    (lambda p: p.clamp_(), ValueError, r"clamp_\(\): at least one of min and max must be given"),
])
def test_bad_in_place_updates_are_refused_and_change_nothing(call, kind, match):
    p = tb.ones(2, 3)
    with pytest.raises(kind, match=match):
        call(p)
    assert p.tolist() == [[1.0] * 3] * 2


def test_in_place_float_update_of_an_integer_tensor_is_refused():
    n = tb.tensor([1, 2])
    with pytest.raises(TypeError, match=r"mul_\(\): cannot update a tensor of shape \(2,\) and "
                                        r"dtype int64 in place .* Cannot cast"):
        n.mul_(1.5)
    assert n.tolist() == [1, 2]


def test_repr_svg_draws_recorded_graphs_and_only_the_nearest_ops_of_big_ones():
    x = tb.ones(2, requires_grad=True)
    assert x._repr_svg_() is None  # a leaf has no graph to draw
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    svg = (x * 2).sum()._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    deep = x
    for _ in range(200):
        deep = deep * 1.0
    assert "showing 60 of 200 ops" in deep._repr_svg_()


def test_to_accepts_the_cpu_device_and_dtypes():
    t = tb.tensor([1.0, 2.0])
    assert t.to("cpu") is t and t.to("cpu:0") is t
    assert t.to(np.float64).dtype == np.float64


def test_subsystems_are_reachable_from_the_package():
    assert tb.training.fit is not None and tb.hyperparameter.random_search is not None
    assert tb.render_graph is tb.viz.render_graph
