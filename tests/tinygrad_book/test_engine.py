"""The backward engine: accumulation, retain_graph, create_graph, hooks, grad()."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.testing import assert_close


def leaf(values, dtype=np.float64):
    return tb.tensor(values, dtype=dtype, requires_grad=True)


# -- accumulation ------------------------------------------------------------------

def test_gradients_accumulate_across_uses():
    x = leaf([1.0, 2.0])
    y = x * x + x * 3 + x  # d/dx = 2x + 4
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    first = x.grad
    (x * 5).sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]
    assert first is x.grad  # accumulated in place, as PyTorch does
    x.grad.zero_()
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_root_that_is_a_leaf():
    x = leaf([1.0, 2.0])
    x.backward(tb.tensor([3.0, 4.0], dtype=np.float64))
    assert x.grad.tolist() == [3.0, 4.0]


def test_leaf_grads_do_not_alias_each_other():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward()
    x.grad.data[0] = 100.0
    x.grad.add_(1.0)
    assert y.grad.tolist() == [1.0, 1.0]
    # Accumulating into one leaf's grad in place must not reach the other.
    (x + y).sum().backward()
    assert x.grad.tolist() == [102.0, 3.0]
    assert y.grad.tolist() == [2.0, 2.0]


def test_leaf_grad_does_not_alias_the_users_gradient_or_a_retained_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    z = x * 1
    z.retain_grad()
    w = z + y
    seed = np.array([1.0, 1.0])
    w.backward(seed)
    y.grad.data[:] = 9.0
    assert seed.tolist() == [1.0, 1.0]
    assert z.grad.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [1.0, 1.0]


def test_a_gradient_nobody_else_holds_becomes_the_leafs_grad_without_a_copy():
    class Fresh(tb.Function):
        made = None  # id() of the last gradient made (an id: holding it would be a reference)

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            out = (g * 2).data.copy()
            Fresh.made = id(out)
            return tb.Tensor(out)  # shares out (tb.tensor would copy)

    x = leaf([1.0, 2.0])
    Fresh.apply(x).sum().backward()
    assert id(x.grad.data) == Fresh.made and x.grad.tolist() == [2.0, 2.0]


def test_a_gradient_a_function_keeps_is_copied_into_the_leafs_grad():
    class Kept(tb.Function):
        grad = np.array([5.0, 6.0])

        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def array_backward(ctx, g):
            return Kept.grad

        backward = array_backward

    x = leaf([1.0, 2.0])
    Kept.apply(x).sum().backward()
    assert not np.shares_memory(x.grad.data, Kept.grad)
    Kept.apply(x).sum().backward()  # accumulates into x.grad in place
    assert Kept.grad.tolist() == [5.0, 6.0] and x.grad.tolist() == [10.0, 12.0]


def test_backward_with_a_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(gradient=tb.tensor([1.0, 0.0, 2.0], dtype=np.float64))
    assert x.grad.tolist() == [2.0, 0.0, 12.0]
    x.grad = None
    (x * 2).backward(np.array([1.0, 1.0, 1.0]))  # a plain array works too
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_float32_leaf_gets_a_float32_grad_through_float64_ops():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    w = tb.tensor([0.5, 0.25], dtype=np.float64)
    (x * w).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad is None
    assert x.grad.tolist() == [0.5, 0.25]


def test_diamond_graph_runs_each_node_once():
    calls = []

    class Count(tb.Function):
        @staticmethod
        def forward(ctx, a):
            return a.copy()

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g

    x = leaf([1.0])
    h = Count.apply(x)
    y = h * 2 + h * 3 + h.exp()
    y.sum().backward()
    assert len(calls) == 1
    assert_close(x.grad, [5.0 + np.e])


def test_unused_output_of_a_multi_output_function_gets_a_zero_gradient():
    class Both(tb.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g2, g3):
            return g2 * 2 + g3 * 3

    x = leaf([1.0, 1.0])
    two, three = Both.apply(x)
    assert two.grad_fn is three.grad_fn and three._output_nr == 1
    three.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# -- retain_graph --------------------------------------------------------------------

def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


# -- create_graph ----------------------------------------------------------------------

def test_second_derivative_of_tanh_matches_the_formula():
    data = np.array([-1.5, -0.2, 0.0, 0.7, 2.0])
    x = leaf(data)
    (dx,) = tb.grad(x.tanh().sum(), x, create_graph=True)
    assert dx.requires_grad and dx.grad_fn is not None
    (d2x,) = tb.grad(dx.sum(), x)
    t = np.tanh(data)
    assert_close(dx.detach(), 1 - t ** 2, rtol=1e-12)
    assert_close(d2x, -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-15)


def test_third_derivative_through_backward_with_create_graph():
    x = leaf([0.5])
    y = x ** 4
    y.backward(create_graph=True)
    g1 = x.grad
    assert g1.requires_grad
    x.grad = None
    g1.backward(create_graph=True)
    g2 = x.grad
    x.grad = None
    g2.backward()
    assert_close(g1.detach(), [4 * 0.5 ** 3])
    assert_close(g2.detach(), [12 * 0.5 ** 2])
    assert_close(x.grad, [24 * 0.5])


def _mlp_loss(params, x, target):
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).tanh()
    out = h @ w2 + b2
    return ((out - target) ** 2).mean()


def test_hessian_vector_product_of_an_mlp_matches_finite_differences():
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    params = [leaf(rng.standard_normal(s)) for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]
    x = tb.tensor(rng.standard_normal((5, 3)))
    target = tb.tensor(rng.standard_normal((5, 2)))

    grads = tb.grad(_mlp_loss(params, x, target), params, create_graph=True)
    dot = sum((g * tb.tensor(v)).sum() for g, v in zip(grads, vs, strict=True))
    hvp = tb.grad(dot, params)

    def grad_at(shift):
        shifted = [leaf(p.data + shift * v) for p, v in zip(params, vs, strict=True)]
        return [g.data for g in tb.grad(_mlp_loss(shifted, x, target), shifted)]

    eps = 1e-5
    plus, minus = grad_at(eps), grad_at(-eps)
    for h, gp, gm in zip(hvp, plus, minus, strict=True):
        assert_close(h, (gp - gm) / (2 * eps), rtol=1e-5, atol=1e-8)


# -- hooks and retain_grad ------------------------------------------------------------

def test_hook_on_a_leaf_sees_and_can_replace_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [30.0, 30.0]


def test_hook_on_a_non_leaf_replaces_what_flows_further():
    x = leaf([1.0, 2.0])
    h = x * 2
    seen = []
    handle = h.register_hook(lambda g: seen.append(g.tolist()) or g * 0.5)
    (h * h).sum().backward()
    assert seen == [[4.0, 8.0]]
    assert x.grad.tolist() == [4.0, 8.0]  # halved: 2 * (2h) * 0.5
    handle.remove()
    x.grad = None
    h = x * 2
    (h * h).sum().backward()
    assert x.grad.tolist() == [8.0, 16.0]
    assert len(seen) == 1


def test_removed_leaf_hook_no_longer_runs():
    x = leaf([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 2).sum().backward()
    handle.remove()
    handle.remove()  # removing twice is harmless
    (x * 2).sum().backward()
    assert calls == [1]


def test_hook_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that does not "
                                           "require grad"):
        tb.zeros(2).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = h * h
    h.retain_grad()
    y.sum().backward(retain_graph=True)
    assert h.grad.tolist() == [6.0, 12.0]
    assert y.grad is None  # not retained
    y2 = h * 1
    y2.sum().backward()
    assert h.grad.tolist() == [7.0, 13.0]  # retained grads accumulate too


def test_retain_grad_on_a_leaf_is_a_no_op():
    x = leaf([1.0])
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_retain_grad_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match=r"retain_grad\(\): this tensor does not require grad"):
        tb.ones(2).retain_grad()


# -- tinygrad_book.grad ------------------------------------------------------------------

def test_grad_returns_gradients_without_touching_dot_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = tb.grad((x * y).sum(), [x, y])
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    assert x.grad is None and y.grad is None
    assert not gx.requires_grad


def test_grad_of_a_single_input_returns_a_one_tuple():
    x = leaf([1.0, 2.0])
    result = tb.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and result[0].tolist() == [2.0, 4.0]


def test_grad_with_grad_outputs():
    x = leaf([1.0, 2.0])
    (g,) = tb.grad(x * x, [x], grad_outputs=[tb.tensor([1.0, -1.0], dtype=np.float64)])
    assert g.tolist() == [2.0, -4.0]
    (g,) = tb.grad(x * 3, [x], grad_outputs=tb.tensor([2.0, 2.0], dtype=np.float64))
    assert g.tolist() == [6.0, 6.0]


def test_grad_of_several_outputs_adds_them_up():
    x = leaf([1.0, 2.0])
    (g,) = tb.grad([(x * 2).sum(), (x * x).sum()], [x])
    assert g.tolist() == [4.0, 6.0]


def test_grad_with_respect_to_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = tb.grad((h * h).sum(), [h])
    assert gh.tolist() == [6.0, 12.0]


def test_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(shape \(1,\)\) was not used in "
                                           r"computing the outputs; pass allow_unused=True"):
        tb.grad((x * 2).sum(), [x, unused])
    y = (x * 2).sum()
    gx, gu = tb.grad(y, [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_grad_argument_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"grad: input 0 does not require grad"):
        tb.grad((x * 2).sum(), [tb.zeros(2)])
    with pytest.raises(TypeError, match=r"grad: input 1 is a ndarray, expected a Tensor"):
        tb.grad((x * 2).sum(), [x, np.zeros(2)])
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for outputs "
                                           r"with one element; output 0 has shape \(2,\)"):
        tb.grad(x * 2, [x])
    with pytest.raises(ValueError, match=r"grad: got 2 grad_outputs for 1 outputs"):
        tb.grad((x * 2).sum(), [x], grad_outputs=[None, None])
    with pytest.raises(RuntimeError, match=r"grad: output 0 does not require grad"):
        tb.grad(tb.zeros(1).sum(), [x])


def test_grad_frees_the_graph_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    tb.grad(y, [x], retain_graph=True)
    tb.grad(y, [x])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        tb.grad(y, [x])


# -- user-defined Functions ------------------------------------------------------------

def test_custom_function_is_gradchecked_to_second_order(cube):
    from tinygrad_book.testing import assert_gradcheck

    assert_gradcheck(cube.apply, (2, 3), second_order=True)


def test_custom_function_node_records_its_inputs_and_attrs():
    class Scale(tb.Function):
        @staticmethod
        def forward(ctx, x, factor=1.0):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor

    x = leaf([1.0, 2.0])
    y = Scale.apply(x, factor=2.5)
    node = y.grad_fn
    assert node.name() == "ScaleBackward" and repr(node) == "<ScaleBackward>"
    assert node.attrs == {"factor": 2.5}
    assert node.next == ((x, None),)
    assert node.needs_input_grad == (True,)
    assert node.input_meta == (((2,), np.dtype(np.float64)),)
    assert node.output_meta == (((2,), np.dtype(np.float64)),)
    y.sum().backward()
    assert x.grad.tolist() == [2.5, 2.5]


def test_forward_reads_needs_input_grad_whether_or_not_the_op_is_recorded():
    seen = []

    class Scale(tb.Function):
        @staticmethod
        def forward(ctx, x, factor):
            seen.append(ctx.needs_input_grad)
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, None

    Scale.apply(leaf([1.0]), 2.0)
    Scale.apply(tb.tensor([1.0]), 2.0)      # grad mode on, nothing requires grad
    with tb.no_grad():
        Scale.apply(leaf([1.0]), 2.0)
    assert seen == [(True, False), (False, False), (False, False)]


def test_backward_returning_the_wrong_number_of_gradients_is_reported():
    class Bad(tb.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    x = leaf([1.0])
    with pytest.raises(RuntimeError, match=r"Bad.backward returned 1 gradients, but forward "
                                           r"took 2 positional inputs"):
        Bad.apply(x, x).sum().backward()


def test_backward_returning_a_gradient_of_the_wrong_shape_is_reported():
    class Bad(tb.Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum()

        @staticmethod
        def backward(ctx, g):
            return g.expand(3)

    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(3,\) "
                                           r"that does not broadcast to its input's shape \(2,\)"):
        Bad.apply(x).backward()


def test_backward_may_return_a_broadcastable_gradient_or_an_array():
    class Spread(tb.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return np.float64(2.0) * np.ones((3, 1, 2))  # summed over the new leading axis

    x = leaf([[1.0, 2.0]])
    Spread.apply(x).sum().backward()
    assert x.grad.tolist() == [[6.0, 6.0]]


def test_non_differentiable_function_records_nothing():
    class ArgMax(tb.Function):
        differentiable = False

        @staticmethod
        def forward(ctx, a):
            return np.argmax(a).astype(np.float64)

    out = ArgMax.apply(leaf([1.0, 3.0]))
    assert out.grad_fn is None and not out.requires_grad


def test_hook_returning_a_wrong_shape_or_type_is_refused():
    x = leaf([1.0, 2.0])

    def widen(g):
        return g.sum()

    x.register_hook(widen)
    with pytest.raises(RuntimeError, match=r"hook widen returned a gradient of shape \(\) for "
                                           r"a gradient of shape \(2,\)"):
        (x * 2).sum().backward()
    assert x.grad is None
    h = leaf([1.0]) * 2
    h.register_hook(lambda g: g.data)
    with pytest.raises(TypeError, match=r"hook <lambda> returned ndarray; a hook must return "
                                        r"None or a Tensor"):
        h.sum().backward()


def test_create_graph_leaf_grads_are_distinct_tensors():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * x + y).sum().backward(create_graph=True)
    (x + y).sum().backward(create_graph=True)
    assert x.grad is not y.grad and not np.shares_memory(x.grad.data, y.grad.data)
    assert x.grad.tolist() == [3.0, 5.0] and y.grad.tolist() == [2.0, 2.0]
    assert x.grad.requires_grad
    x2, y2 = leaf([1.0]), leaf([2.0])
    (x2 + y2).sum().backward(create_graph=True)
    assert x2.grad is not y2.grad
    with tb.no_grad():
        x2.grad.mul_(5)
    assert y2.grad.tolist() == [1.0]
