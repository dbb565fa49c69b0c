"""backward called wrongly (twice, on what needs no gradient, on a non-scalar) and in-place
changes of saved tensors: a clear error, and gradients left exactly as they were."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F

pytestmark = pytest.mark.reliability


def test_backward_twice_is_refused_and_keeps_the_first_gradient():
    x = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    first = x.grad.data.copy()
    with pytest.raises(RuntimeError, match=r"Trying to backward through MulBackward a second "
                                           r"time \(or to read its saved tensors after they were "
                                           r"freed\).*retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, first)


def test_backward_twice_through_a_model(trained_setup, assert_unchanged):
    model, opt, x, t = trained_setup
    opt.zero_grad()
    loss = F.cross_entropy(model(x), t)
    loss.backward()
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"Trying to backward through \w+Backward a second "
                                               r"time"):
            loss.backward()


@pytest.mark.parametrize("make", [
    lambda: tb.ones(3).sum(),
    lambda: tb.ones(3, requires_grad=True).detach().sum(),
    lambda: _under_no_grad(),
], ids=["plain tensor", "detached", "made under no_grad"])
def test_backward_on_a_tensor_that_does_not_require_grad(make):
    with pytest.raises(RuntimeError, match=r"backward\(\): this tensor does not require grad and "
                                           r"has no grad_fn; make its inputs with "
                                           r"requires_grad=True \(and not under no_grad\(\)\)"):
        make().backward()


def _under_no_grad():
    x = tb.ones(3, requires_grad=True)
    with tb.no_grad():
        return (x * 2).sum()


def test_backward_of_a_non_scalar_without_gradient_names_the_shape():
    x = tb.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for outputs "
                                           r"with one element, but this tensor has shape "
                                           r"\(2, 3\); pass gradient= of that shape"):
        (x * 2).backward()
    assert x.grad is None


def test_in_place_change_of_a_parameter_under_grad_mode_is_refused(trained_setup,
                                                                    assert_unchanged):
    model, opt, _, _ = trained_setup
    w = model[6].weight
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"add_\(\): an in-place change of a tensor that "
                                               r"requires grad would corrupt the graph; wrap it in "
                                               r"tinygrad_book.no_grad\(\)"):
            w.add_(1.0)
        with pytest.raises(RuntimeError, match=r"in-place assignment to a tensor that requires "
                                               r"grad would corrupt the graph"):
            w[0, 0] = 5.0
