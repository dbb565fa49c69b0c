"""layer_norm, group_norm, instance_norm, normalize: PyTorch parity and gradchecks."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_close, assert_gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(torch_parity, shape, norm, affine):
    torch = pytest.importorskip("torch")
    arrays = [rand(*shape)] + ([rand(*norm, seed=1), rand(*norm, seed=2)] if affine else [])
    torch_parity(lambda x, *wb: F.layer_norm(x, norm, *wb, eps=1e-3),
                 lambda x, *wb: torch.nn.functional.layer_norm(x, norm, *wb, eps=1e-3), arrays)


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((2, 4, 3, 2), 2), ((3, 4), 1)])
def test_group_norm_matches_torch(torch_parity, shape, groups):
    torch = pytest.importorskip("torch")
    c = shape[1]
    torch_parity(lambda x, w, b: F.group_norm(x, groups, w, b),
                 lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b),
                 [rand(*shape), rand(c, seed=1), rand(c, seed=2)])


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3)])
def test_instance_norm_matches_torch_with_running_stats(torch_parity, shape):
    torch = pytest.importorskip("torch")
    c = shape[1]
    rm, rv = np.zeros(c), np.ones(c)
    trm, trv = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    torch_parity(lambda x, w, b: F.instance_norm(x, rm, rv, w, b, momentum=0.3),
                 lambda x, w, b: torch.nn.functional.instance_norm(x, trm, trv, w, b,
                                                                   momentum=0.3),
                 [rand(*shape) * 3 + 1, rand(c, seed=1), rand(c, seed=2)])
    assert_close(rm, trm.numpy(), rtol=1e-12)
    assert_close(rv, trv.numpy(), rtol=1e-12)
    # evaluation with the running statistics
    torch_parity(lambda x: F.instance_norm(x, rm, rv, use_input_stats=False),
                 lambda x: torch.nn.functional.instance_norm(x, trm, trv, use_input_stats=False),
                 [rand(*shape, seed=3)])


@pytest.mark.parametrize("p,dim", [(2, 1), (1, 0), (3, -1), (float("inf"), 1)])
def test_normalize_matches_torch(torch_parity, p, dim):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.normalize(x, p, dim),
                 lambda x: torch.nn.functional.normalize(x, p, dim), [rand(3, 4)])


def test_gradchecks_first_and_second_order():
    assert_gradcheck(lambda x, w, b: F.layer_norm(x, (3,), w, b), (2, 3), (3,), (3,),
                     second_order=True)
    assert_gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (2, 4, 3), (4,), (4,),
                     second_order=True)
    assert_gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (2, 2, 4), (2,), (2,))
    assert_gradcheck(lambda x: F.normalize(x, dim=-1), (3, 4), second_order=True)


def test_layer_norm_output_is_standardised_and_float32_stays():
    x = Tensor(rand(4, 6).astype(np.float32) * 5 + 3)
    y = F.layer_norm(x, 6)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data.mean(-1), 0, atol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(Tensor(rand(2, 3)), (4,))
    with pytest.raises(ValueError, match="num_groups"):
        F.group_norm(Tensor(rand(2, 3, 2)), 2)
    with pytest.raises(ValueError, match="weight"):
        F.layer_norm(Tensor(rand(2, 3)), 3, Tensor(rand(4)))
