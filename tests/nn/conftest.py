"""Shared fixtures for the nn tests."""
import numpy as np
import pytest

from tinygrad_book import Tensor
from tinygrad_book.testing import assert_close


def _torch_parity(fn, torch_fn, arrays, grad=None, rtol=1e-5, atol=1e-10, seed=0):
    """Run ``fn`` on Tensors and ``torch_fn`` on torch tensors made from the same float64
    ``arrays``; compare the outputs and the gradient of every floating point input
    (under a random output gradient) to ``rtol``.

    ``grad`` lists which arrays require grad (default: every floating point one).
    Returns our output Tensor.
    """
    torch = pytest.importorskip("torch")
    if grad is None:
        grad = [a.dtype.kind == "f" for a in arrays]
    ours = [Tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
    out = fn(*ours)
    ref = torch_fn(*theirs)
    assert_close(out, ref.detach().numpy(), rtol=rtol, atol=atol, msg="forward: ")
    if not any(grad):
        return out
    seed_grad = np.random.default_rng(seed).standard_normal(ref.shape)
    out.backward(Tensor(seed_grad.astype(out.dtype)))
    ref.backward(torch.tensor(seed_grad, dtype=ref.dtype))
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if b.grad is not None:
            assert a.grad is not None, f"input {i}: no gradient, PyTorch has one"
            assert_close(a.grad, b.grad.numpy(), rtol=rtol, atol=atol, msg=f"grad of input {i}: ")
    return out


@pytest.fixture
def torch_parity():
    """``torch_parity(fn, torch_fn, arrays, grad=None, rtol=1e-5)``: forward and gradient
    parity of one of our ops with PyTorch's on the same float64 inputs (skips without torch)."""
    return _torch_parity
