"""nn.utils given non-finite gradients: a clear error, and the gradients left as they were."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import nn

pytestmark = pytest.mark.reliability


def test_clip_grad_norm_refuses_non_finite_gradients_and_leaves_them(trained_setup,
                                                                     assert_unchanged):
    model, opt, x, t = trained_setup
    opt.zero_grad()
    F.cross_entropy(model(x), t).backward()
    model[0].weight.grad.data[0, 0, 0, 0] = np.nan
    with assert_unchanged(model, opt):
        with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from "
                                               r"`parameters` is non-finite, so it cannot be "
                                               r"clipped"):
            nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    # Without the flag the norm is reported as nan, as PyTorch does: the caller can see it.
    assert np.isnan(nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
