"""softmax and log_softmax over an empty axis give PyTorch's empty results (issue 12)."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((2, 0), 1), ((0, 3), 1), ((0, 3), 0), ((2, 0, 4), 1)])
def test_softmax_over_an_empty_axis_is_empty_as_pytorch(name, shape, dim):
    torch = pytest.importorskip("torch")
    x = tb.zeros(*shape, requires_grad=True)
    out = getattr(F, name)(x, dim=dim)
    ref = getattr(torch.nn.functional, name)(torch.zeros(*shape), dim=dim)
    assert out.shape == tuple(ref.shape) == shape
    out.sum().backward()
    assert x.grad.shape == shape


def test_softmax_of_ordinary_rows_is_unchanged():
    x = tb.tensor([[1.0, 2.0], [-np.inf, 0.0]])
    np.testing.assert_allclose(F.softmax(x, dim=1).numpy(), [[0.26894143, 0.7310586], [0, 1]],
                               rtol=1e-6)
