"""Parity of whole layers with PyTorch's: same state dict in, same outputs and gradients out."""
import numpy as np
import pytest

from tinygrad_book import Tensor
from tinygrad_book.testing import assert_close


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [] if out is None else [out]


def _layer_parity(ours, theirs, arrays, grad=None, rtol=1e-6, atol=1e-9, seed=0,
                  call=None, train=True):
    """Load ``theirs`` (a float64 torch module)'s state dict into ``ours`` (a float64 module),
    run both on the same ``arrays`` and compare every output, the gradient of every float
    input and of every parameter (by name) under random output gradients.

    ``call(module, *inputs)`` runs a module (default ``module(*inputs)``).
    Returns our outputs.
    """
    torch = pytest.importorskip("torch")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.train(train)
    theirs.train(train)
    call = call or (lambda m, *xs: m(*xs))
    if grad is None:
        grad = [a.dtype.kind == "f" for a in arrays]
    mine = [Tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
    ref_in = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
    out, ref = _flat(call(ours, *mine)), _flat(call(theirs, *ref_in))
    assert len(out) == len(ref), f"{len(out)} outputs, PyTorch has {len(ref)}"
    rng = np.random.default_rng(seed)
    total_ours, total_ref = None, None
    for i, (o, r) in enumerate(zip(out, ref, strict=True)):
        assert_close(o, r.detach().numpy(), rtol=rtol, atol=atol, msg=f"output {i}: ")
        if r.requires_grad and r.dtype.is_floating_point:
            g = rng.standard_normal(tuple(r.shape))
            a, b = (o * Tensor(g)).sum(), (r * torch.tensor(g)).sum()
            total_ours = a if total_ours is None else total_ours + a
            total_ref = b if total_ref is None else total_ref + b
    if total_ref is None:
        return out
    total_ours.backward()
    total_ref.backward()
    for i, (a, b) in enumerate(zip(mine, ref_in, strict=True)):
        if b.grad is not None:
            assert a.grad is not None, f"input {i}: no gradient, PyTorch has one"
            assert_close(a.grad, b.grad.numpy(), rtol=rtol, atol=atol, msg=f"grad of input {i}: ")
    params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert name in params, f"PyTorch has parameter {name!r}, we do not"
        if p.grad is None:
            continue
        assert params[name].grad is not None, f"no gradient for {name}, PyTorch has one"
        assert_close(params[name].grad, p.grad.numpy(), rtol=rtol, atol=atol,
                     msg=f"grad of {name}: ")
    assert set(params) == {n for n, _ in theirs.named_parameters()}
    return out


@pytest.fixture
def layer_parity():
    """``layer_parity(ours, theirs, arrays, ...)``: outputs and all gradients match PyTorch's."""
    return _layer_parity


@pytest.fixture
def torch():
    return pytest.importorskip("torch")
