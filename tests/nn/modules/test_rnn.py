"""RNN, LSTM, GRU and their cells against torch.nn: parameter names, outputs, final states,
gradients through time of the input, the initial state and every weight."""
import numpy as np
import pytest

from tinygrad_book import Tensor, nn


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CONFIGS = [
    dict(),
    dict(num_layers=2, bidirectional=True),
    dict(batch_first=True, bias=False),
    dict(num_layers=2, batch_first=True, bidirectional=True),
]


def _run(kind, kw, layer_parity, torch, with_state, unbatched=False):
    extra = {"nonlinearity": "relu"} if kind == "RNN" and kw.get("bias") is False else {}
    ours = getattr(nn, kind)(3, 4, dtype=np.float64, **kw, **extra)
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64, **kw, **extra)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    d = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1)
    x = rand(5, 3) if unbatched else rand(2, 5, 3) if kw.get("batch_first") else rand(5, 2, 3)
    arrays = [x]
    if with_state:
        shape = (d * layers, 4) if unbatched else (d * layers, 2, 4)
        arrays += [rand(*shape, seed=1)] + ([rand(*shape, seed=2)] if kind == "LSTM" else [])
    call = None
    if with_state and kind == "LSTM":
        def call(m, x, h, c):
            return m(x, (h, c))
    layer_parity(ours, theirs, arrays, call=call, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_match_torch(layer_parity, torch, kind, kw):
    _run(kind, kw, layer_parity, torch, with_state=kind != "RNN" or bool(kw))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_with_state(layer_parity, torch, kind):
    _run(kind, {"num_layers": 2}, layer_parity, torch, with_state=True, unbatched=True)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(layer_parity, torch, kind, batched):
    ours = getattr(nn, kind)(3, 4, dtype=np.float64)
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = rand(2, 3) if batched else rand(3)
    h = rand(2, 4, seed=1) if batched else rand(4, seed=1)
    if kind == "LSTMCell":
        layer_parity(ours, theirs, [x, h, h * 0.5], call=lambda m, x, h, c: m(x, (h, c)))
    else:
        layer_parity(ours, theirs, [x, h])
    layer_parity(ours, theirs, [x])   # zero initial state


def test_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = Tensor(rand(4, 2, 3))
    lstm.eval()
    a, b = lstm(x)[0].data, lstm(x)[0].data
    np.testing.assert_array_equal(a, b)
    lstm.train()
    assert not np.allclose(lstm(x)[0].data, a)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="input"):
        nn.GRU(3, 4)(Tensor(rand(5, 2, 2)))
    with pytest.raises(ValueError, match="hidden state"):
        nn.RNN(3, 4)(Tensor(rand(5, 2, 3)), Tensor(rand(2, 2, 4)))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_gradients_through_time_pass_gradcheck(kind):
    from tinygrad_book.testing import assert_gradcheck
    layer = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, dtype=np.float64)
    assert_gradcheck(lambda x: layer(x)[0], (4, 1, 2))


def test_fused_lstm_gates_gradcheck_first_and_second_order():
    from tinygrad_book.nn.functional.recurrent import lstm_gates
    from tinygrad_book.testing import assert_gradcheck
    assert_gradcheck(lambda a, c: lstm_gates(a, c)[0] * 2 + lstm_gates(a, c)[1], (2, 12), (2, 3),
                     second_order=True)
