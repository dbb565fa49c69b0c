"""scaled_dot_product_attention: parity with PyTorch (bool and float masks, causal,
custom scale), gradchecks, and dropout on the weights."""
import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


BOOL_MASK = np.array([[True, False, True, True], [True, True, False, False],
                      [False, True, True, True]])


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"attn_mask": BOOL_MASK},
                                {"attn_mask": rand(3, 4, seed=5)}, {"scale": 0.3}])
def test_sdpa_matches_torch(torch_parity, kw):
    torch = pytest.importorskip("torch")
    S = 3 if kw.get("is_causal") else 4
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    torch_parity(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
                 lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, **tkw),
                 [rand(2, 2, 3, 5), rand(2, 2, S, 5, seed=1), rand(2, 2, S, 6, seed=2)])


def test_sdpa_gradcheck_second_order():
    assert_gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                     (2, 3, 4), (2, 3, 4), (2, 3, 2), second_order=True)


def test_sdpa_dropout_drops_weights():
    tb.manual_seed(0)
    q, k, v = (Tensor(rand(1, 4, 3, seed=i)) for i in range(3))
    plain = F.scaled_dot_product_attention(q, k, v).data
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data
    assert not np.allclose(plain, dropped)
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=2.0)


def test_multi_head_attention_core_gradcheck_with_masks():
    padding = np.array([[False, True, False], [False, False, False]])
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    assert_gradcheck(lambda q, k, v: F.multi_head_attention(
        q, k, v, 2, attn_mask=causal, key_padding_mask=padding)[0], (2, 3, 4), (2, 3, 4),
        (2, 3, 4))
