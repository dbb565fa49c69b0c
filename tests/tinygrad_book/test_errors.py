"""Bad input gets a clear error that names what it got and what was expected."""
import numpy as np
import pytest

import tinygrad_book as tb


def test_backward_on_a_non_scalar_without_gradient():
    y = tb.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"backward\(\): grad can be implicitly created only "
                                           r"for outputs with one element, but this tensor has "
                                           r"shape \(2, 3\); pass gradient="):
        y.backward()


def test_backward_on_a_one_element_non_0d_tensor_is_fine():
    x = tb.ones(1, 1, requires_grad=True)
    (x * 3).backward()
    assert x.grad.tolist() == [[3.0]]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_tensor_cannot_require_grad(dtype):
    with pytest.raises(RuntimeError, match=r"only tensors of floating point dtype can require "
                                           rf"gradients, got dtype {np.dtype(dtype)}"):
        tb.tensor([1, 0], dtype=dtype, requires_grad=True)
    t = tb.tensor([1, 0], dtype=dtype)
    with pytest.raises(RuntimeError, match="only tensors of floating point dtype"):
        t.requires_grad_()
    assert not t.requires_grad


@pytest.mark.parametrize("make", [lambda: tb.zeros(2, dtype=np.int64, requires_grad=True),
                                  lambda: tb.arange(3, requires_grad=True)])
def test_integer_constructors_refuse_requires_grad(make):
    with pytest.raises(RuntimeError, match="only tensors of floating point dtype"):
        make()


def test_gradient_of_the_wrong_shape_is_refused():
    x = tb.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"backward\(\): gradient has shape \(3, 2\) but the "
                                           r"output has shape \(2, 3\); they must match"):
        y.backward(tb.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the output has shape "
                                           r"\(2, 3\)"):
        y.backward(np.ones(3))  # broadcastable is not enough, as in PyTorch
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"grad: gradient has shape \(6,\) but the output "
                                           r"has shape \(2, 3\)"):
        tb.grad(y, [x], grad_outputs=[tb.ones(6)])


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match=r"clamp\(\): at least one of min and max must be given"):
        tb.ones(2).clamp()


def test_broadcasting_mismatch_is_reported_before_recording():
    x = tb.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"add: the shapes \(2, 3\) and \(4,\) do not "
                                         r"broadcast together"):
        x + tb.ones(4)
