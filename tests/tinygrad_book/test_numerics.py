"""Numerical stability of the core reductions: variance of one element, of large nearby values."""
import warnings

import numpy as np
import pytest

import tinygrad_book as tb

pytestmark = [pytest.mark.reliability,
              # Overflow or 0/0 inside an op would warn: in these tests that is a failure.
              pytest.mark.filterwarnings("error::RuntimeWarning")]


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_variance_of_one_element_is_nan_with_a_warning_as_pytorch(dtype):
    x = tb.tensor(np.array([3.0]), dtype=dtype)
    with pytest.warns(RuntimeWarning, match=r"var\(\): degrees of freedom is <= 0 \(n=1 "
                                            r"elements, correction=1\)"):
        v = x.var()
    assert np.isnan(v.item()) and v.dtype == dtype
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        assert np.isnan(x.std().item())
    assert x.var(correction=0).item() == 0.0
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(torch.tensor([3.0]).var().item())


@pytest.mark.parametrize("dtype", DTYPES)
def test_variance_of_large_nearby_values_does_not_cancel(dtype):
    x = tb.tensor(np.array([1e4 + 1, 1e4 + 2, 1e4 + 3]), dtype=dtype)
    assert x.var().item() == 1.0  # E[x²] - E[x]² would lose every digit in float32
