"""PyTorch's ``dim``/``keepdim`` and NumPy's ``axis``/``keepdims`` are both accepted
wherever either is (issue 12, item 13): a scan of every public signature, and the
spellings giving the same results."""
import inspect

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F

pytestmark = pytest.mark.reliability

PAIRS = (("axis", "dim"), ("dim", "axis"), ("keepdims", "keepdim"), ("keepdim", "keepdims"))


def _public_callables():
    for owner, prefix in ((tb, "tb."), (F, "F."), (tb.Tensor, "Tensor.")):
        for name in dir(owner):
            fn = getattr(owner, name)
            if name.startswith("_") or inspect.isclass(fn) or not callable(fn):
                continue
            try:
                yield prefix + name, inspect.signature(fn).parameters
            except (TypeError, ValueError):
                continue


def test_every_signature_that_takes_one_spelling_takes_the_other():
    missing = []
    for name, params in _public_callables():
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            continue
        reduces = "keepdim" in params or "keepdims" in params
        for have, want in PAIRS:
            if have in params and want not in params and (want != "axis" or reduces):
                missing.append(f"{name}: {have} without {want}")
    assert not missing, missing


@pytest.mark.parametrize("fn", [tb.max, tb.min, tb.median])
def test_values_and_indices_functions_take_both_spellings(fn):
    x = tb.tensor(np.arange(24.0).reshape(2, 3, 4) % 7)
    a = fn(x, dim=1, keepdim=True)
    b = fn(x, axis=1, keepdims=True)
    np.testing.assert_array_equal(a.values.numpy(), b.values.numpy())
    np.testing.assert_array_equal(a.indices.numpy(), b.indices.numpy())
    assert a.values.shape == (2, 1, 4)


@pytest.mark.parametrize("method", ["kthvalue", "mode"])
def test_order_statistics_take_axis_and_keepdims(method):
    x = tb.tensor(np.arange(24.0).reshape(2, 3, 4) % 5)
    args = (2,) if method == "kthvalue" else ()
    a = getattr(x, method)(*args, dim=0, keepdim=True)
    b = getattr(x, method)(*args, axis=0, keepdims=True)
    np.testing.assert_array_equal(a.values.numpy(), b.values.numpy())
    assert b.values.shape == (1, 3, 4)


def test_split_takes_dim_and_axis():
    x = tb.arange(12).reshape(3, 4)
    by_dim = tb.split(x, 2, dim=1)
    by_axis = tb.split(x, 2, axis=1)
    assert [t.shape for t in by_dim] == [(3, 2), (3, 2)]
    for a, b in zip(by_dim, by_axis, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "logsumexp", "prod", "amax",
                                    "amin", "nansum", "nanmean", "argmax", "argmin", "any",
                                    "all", "var", "std", "count_nonzero"])
def test_reductions_share_one_dim_axis_and_keepdim_keepdims_rule(method):
    """One rule for all (ops/front.py ``pick``/``keep``): ``dim`` or ``axis``, whichever is
    given; ``keepdim`` or ``keepdims``, kept if either is true."""
    x = tb.tensor(np.arange(24.0).reshape(2, 3, 4) % 5 + 1)
    f = getattr(x, method)
    keeps = method != "count_nonzero"
    a = f(dim=1, keepdim=True) if keeps else f(dim=1)
    b = f(axis=1, keepdims=True) if keeps else f(axis=1)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == ((2, 1, 4) if keeps else (2, 4))
    if keeps:
        assert f(1, keepdim=True, keepdims=False).shape == (2, 1, 4)


@pytest.mark.parametrize("method,word", [("sum", "axis"), ("prod", "dim")])
def test_reductions_refuse_a_repeated_or_out_of_range_dim_in_one_wording(method, word):
    x = tb.zeros(2, 3)
    with pytest.raises(ValueError, match=rf"{method}(\(\))?: {word} \(0, -2\) repeats"):
        getattr(x, method)((0, -2))
    with pytest.raises(IndexError, match=rf"{method}(\(\))?: {word} 2 is out of range for a "
                                         rf"tensor of 2 dimensions \(expected -2 <= {word} < 2\)"):
        getattr(x, method)(2)
    with pytest.raises(TypeError, match=rf"{method}(\(\))?: {word} must be an int or a tuple "
                                        rf"of ints, got \(0, 1.5\)"):
        getattr(x, method)((0, 1.5))
