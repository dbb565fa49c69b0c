"""The char-LSTM example's model memorises a short repeated text (loss below 0.1)."""
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the examples draw with matplotlib")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def char_lstm():
    environ = dict(os.environ)   # _common sets BLAS thread variables for the scripts' own runs
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location("example_char_lstm",
                                                      EXAMPLES / "char_lstm.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(EXAMPLES))
        os.environ.clear()
        os.environ.update(environ)


def test_char_lstm_memorises_a_short_repeated_text(char_lstm):
    import tinygrad_book as tb
    text = "the quick brown fox jumps over the lazy dog. " * 12
    vocab = sorted(set(text))
    data = char_lstm.streams(text, vocab, 4)
    tb.manual_seed(0)
    model = char_lstm.CharLSTM(len(vocab), embed=16, hidden=48)
    losses = char_lstm.train(model, data, steps=70, seq_len=25, lr=1e-2)
    assert np.mean(losses[-5:]) < 0.1, losses[-10:]
    assert losses[0] > 2.5     # log(28) ≈ 3.3 at the start
    out = char_lstm.sample(model, vocab, "the quick", length=40, temperature=0.5)
    assert out.startswith("the quick") and "brown fox" in out


def test_docstring_corpus_is_the_projects_own_text(char_lstm):
    text = char_lstm.docstring_corpus()
    assert len(text) > 5000 and "Batch Normalization" in text
