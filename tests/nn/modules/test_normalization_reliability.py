"""BatchNorm in training mode on an empty batch gives PyTorch's empty output (issue 12)."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (0, 3)), (nn.BatchNorm1d, (0, 3, 5)),
                                       (nn.BatchNorm2d, (0, 3, 4, 4))])
def test_batchnorm_training_on_an_empty_batch_matches_pytorch(cls, shape):
    torch = pytest.importorskip("torch")
    bn, ref = cls(3), getattr(torch.nn, cls.__name__)(3)
    x, xt = tb.zeros(*shape, requires_grad=True), torch.zeros(*shape, requires_grad=True)
    out, out_t = bn(x), ref(xt)
    assert out.shape == tuple(out_t.shape) == shape
    out.sum().backward()
    out_t.sum().backward()
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_array_equal(getattr(bn, name).numpy(), getattr(ref, name).numpy())
    np.testing.assert_array_equal(bn.weight.grad.numpy(), ref.weight.grad.numpy())
    np.testing.assert_array_equal(bn.bias.grad.numpy(), ref.bias.grad.numpy())
    assert x.grad.shape == shape


def test_functional_batch_norm_on_an_empty_batch_without_affine_returns_a_new_tensor():
    x = tb.zeros(0, 2, requires_grad=True)
    out = F.batch_norm(x, None, None, training=True)
    assert out.shape == (0, 2) and out is not x


def test_one_value_per_channel_is_still_refused():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tb.zeros(1, 3))
