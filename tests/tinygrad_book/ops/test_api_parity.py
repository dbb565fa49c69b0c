"""The Tensor API against PyTorch, table-driven (rows in api_table.py).

For each row: values, dtype and shape equal PyTorch's (float64 inputs, and
float32 for dtype), gradients of a random weighting of the output equal
PyTorch's, gradcheck passes, and gradgradcheck where the row says 'gg'.
"""
import importlib.util
import pathlib

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.testing import assert_close

torch = pytest.importorskip("torch")

_spec = importlib.util.spec_from_file_location(
    "api_table", pathlib.Path(__file__).with_name("api_table.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)


def _first_float(out):
    return [o for o in _flat(out) if o.dtype in (torch.float64, torch.float32)
            or getattr(o.dtype, "kind", "") == "f"]


def _torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _flat(out):
    if isinstance(out, (tuple, list)):
        return tuple(t for o in out for t in _flat(o))
    return (out,)


def _check_same(ours, theirs, where):
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs), where
    for a, b in zip(ours, theirs, strict=True):
        assert isinstance(a, tb.Tensor), f"{where}: got {type(a).__name__}"
        assert a.shape == tuple(b.shape), f"{where}: shape {a.shape} vs torch {tuple(b.shape)}"
        assert str(a.dtype) == _torch_dtype_name(b), f"{where}: dtype {a.dtype} vs {b.dtype}"
        assert_close(a, b.detach().numpy(), rtol=1e-6, atol=1e-9, msg=f"{where}: ")


@pytest.mark.parametrize("name,fn,specs,flags", T.ROWS, ids=[r[0] for r in T.ROWS])
def test_matches_pytorch_and_gradchecks(name, fn, specs, flags):
    arrays = T.draw(specs, seed=len(name))
    ours = [tb.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(tb, *ours), fn(torch, *theirs)
    _check_same(out, ref, name)
    # float32 inputs keep float32, as in PyTorch
    out32 = fn(tb, *[tb.tensor(a.astype(np.float32)) for a in arrays])
    ref32 = fn(torch, *[torch.tensor(a.astype(np.float32)) for a in arrays])
    for a, b in zip(_flat(out32), _flat(ref32), strict=True):
        assert str(a.dtype) == _torch_dtype_name(b), f"{name} (float32): {a.dtype} vs {b.dtype}"
    if "nograd" in flags:
        return
    (o,), (r,) = _first_float(out)[:1], _first_float(ref)[:1]
    weight = np.random.default_rng(1).uniform(0.5, 1.5, size=o.shape)
    (o * tb.tensor(weight)).sum().backward()
    (r * torch.tensor(weight)).sum().backward()
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if b.grad is None or a.grad is None:  # None and zeros mean the same
            nonzero = [g for g in (a.grad, b.grad) if g is not None and np.asarray(g).any()]
            assert not nonzero, f"{name}: input {k}: {a.grad} vs torch {b.grad}"
        else:
            assert_close(a.grad, b.grad.numpy(), rtol=1e-6, atol=1e-9, msg=f"{name} grad {k}: ")
    inputs = tuple(tb.tensor(a, requires_grad=True) for a in arrays)

    def first(*xs):
        return _first_float(fn(tb, *xs))[0]

    assert tb.gradcheck(first, inputs)
    if "gg" in flags:
        assert tb.gradgradcheck(first, inputs)


@pytest.mark.parametrize("name,fn", T.VALUE_ROWS, ids=[r[0] for r in T.VALUE_ROWS])
def test_integer_and_logic_ops_match_pytorch(name, fn):
    _check_same(fn(tb, *T.value_inputs(tb)), fn(torch, *T.value_inputs(torch)), name)


@pytest.mark.parametrize("name,fn", T.FLOAT_VALUE_ROWS, ids=[r[0] for r in T.FLOAT_VALUE_ROWS])
def test_float_tests_match_pytorch(name, fn):
    _check_same(fn(tb, T.float_value_input(tb)), fn(torch, T.float_value_input(torch)), name)
