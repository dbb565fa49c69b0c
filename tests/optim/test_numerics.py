"""Numerical stability of the optimizers: zero and tiny gradients keep parameters finite."""

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim

pytestmark = [pytest.mark.reliability,
              # Overflow or 0/0 inside an op would warn: in these tests that is a failure.
              pytest.mark.filterwarnings("error::RuntimeWarning")]


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("cls, kwargs", [
    (optim.Adam, {}), (optim.AdamW, {}), (optim.RMSprop, {}), (optim.Adagrad, {}),
    (optim.Adadelta, {}), (optim.NAdam, {}), (optim.RAdam, {}), (optim.Adamax, {}),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
], ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("dtype", DTYPES)
def test_optimizers_on_zero_and_tiny_gradients_stay_finite(cls, kwargs, dtype):
    """Adaptive methods divide by a running gradient scale: with a zero gradient that is
    0/(0 + eps), which must not become nan."""
    p = tb.tensor(np.array([1.0, -2.0, 3.0]), dtype=dtype, requires_grad=True)
    opt = cls([p], **kwargs)
    for g in ([0.0, 0.0, 0.0], [1e-30, -1e-30, 0.0], [0.0, 0.0, 0.0]):
        p.grad = tb.tensor(np.array(g), dtype=dtype)
        opt.step()
    assert np.isfinite(p.data).all(), p
    assert p.dtype == dtype
