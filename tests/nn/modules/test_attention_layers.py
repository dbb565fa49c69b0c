"""MultiheadAttention, TransformerEncoderLayer and TransformerEncoder against torch.nn:
state-dict keys, outputs, attention weights and every gradient."""
import numpy as np
import pytest

from tinygrad_book import nn


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_with_masks(layer_parity, torch, batch_first, average):
    ours = nn.MultiheadAttention(6, 2, batch_first=batch_first, dtype=np.float64)
    theirs = torch.nn.MultiheadAttention(6, 2, batch_first=batch_first, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    q = rand(2, 3, 6) if batch_first else rand(3, 2, 6)
    kv = rand(2, 4, 6, seed=1) if batch_first else rand(4, 2, 6, seed=1)
    padding = np.array([[False, False, True, False], [False, False, False, True]])
    attn = np.array([[False, True, False, False]] * 3)

    def call(m, q, k, v):
        tpad = torch.tensor(padding) if isinstance(q, torch.Tensor) else padding
        tattn = torch.tensor(attn) if isinstance(q, torch.Tensor) else attn
        return m(q, k, v, key_padding_mask=tpad, attn_mask=tattn,
                 average_attn_weights=average)

    layer_parity(ours, theirs, [q, kv, kv * 0.5], call=call)


def test_multihead_attention_self_unbatched_float_mask(layer_parity, torch):
    ours = nn.MultiheadAttention(4, 4, bias=False, dtype=np.float64)
    theirs = torch.nn.MultiheadAttention(4, 4, bias=False, dtype=torch.float64)
    x, mask = rand(5, 4), rand(5, 5, seed=3)
    layer_parity(ours, theirs, [x, x, x, mask], grad=[True, True, True, False],
                 call=lambda m, q, k, v, a: m(q, k, v, attn_mask=a, need_weights=False))


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu",
                                             batch_first=True)])
def test_transformer_encoder(layer_parity, torch, kw):
    ours = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=np.float64, **kw), 2,
        norm=nn.LayerNorm(8, dtype=np.float64))
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64, **kw), 2,
        norm=torch.nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    padding = np.array([[False] * 4 + [True], [False] * 5])
    x = rand(2, 5, 8) if kw.get("batch_first") else rand(5, 2, 8)

    def call(m, x):
        mask = torch.tensor(padding) if isinstance(x, torch.Tensor) else padding
        return m(x, src_key_padding_mask=mask)

    layer_parity(ours, theirs, [x], call=call)


def test_encoder_layer_dropout_active_in_training_only():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5).double()
    x = rand(3, 2, 8)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, layer(x).data)
    layer.train()
    assert not np.allclose(layer(x).data, layer(x).data)
