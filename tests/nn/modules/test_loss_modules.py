"""Loss layers take PyTorch's constructor arguments in PyTorch's order."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.testing import assert_close

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4))
TARGETS = np.array([0, 1, 2, 3, 1, -100])
CLASS_WEIGHT = RNG.random(4) + 0.1


def test_cross_entropy_loss_takes_weight_first_and_ignores_ignore_index():
    loss = nn.CrossEntropyLoss(CLASS_WEIGHT)(tb.tensor(LOGITS), tb.tensor(TARGETS))
    # Independent: weighted mean of -log softmax over the non-ignored rows.
    log_p = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    rows = np.arange(5)
    w = CLASS_WEIGHT[TARGETS[:5]]
    expected = -(w * log_p[rows, TARGETS[:5]]).sum() / w.sum()
    assert_close(loss, np.asarray(expected), rtol=1e-12)


def test_weight_is_a_buffer_in_the_state_dict_only_when_given():
    assert list(nn.CrossEntropyLoss(CLASS_WEIGHT).state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.BCEWithLogitsLoss(pos_weight=np.ones(3)).state_dict()) == ["pos_weight"]


def test_loss_layers_match_torch():
    torch = pytest.importorskip("torch")
    x, t, w = tb.tensor(LOGITS), tb.tensor(TARGETS), torch.tensor(CLASS_WEIGHT)
    tx, tt = torch.tensor(LOGITS), torch.tensor(TARGETS)
    pairs = [
        (nn.CrossEntropyLoss(CLASS_WEIGHT, label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(w, label_smoothing=0.1)),
        (nn.NLLLoss(CLASS_WEIGHT, reduction="sum"), torch.nn.NLLLoss(w, reduction="sum")),
    ]
    for ours, theirs in pairs:
        assert_close(ours(x, t), theirs(tx, tt).numpy(), rtol=1e-10)
    probs, elem_w, pos_w = RNG.random((5, 3)), RNG.random((5, 3)), RNG.random(3) + 0.5
    ours = nn.BCEWithLogitsLoss(elem_w, pos_weight=pos_w)(tb.tensor(LOGITS[:5, :3]),
                                                          tb.tensor(probs))
    theirs = torch.nn.BCEWithLogitsLoss(torch.tensor(elem_w), pos_weight=torch.tensor(pos_w))(
        torch.tensor(LOGITS[:5, :3]), torch.tensor(probs))
    assert_close(ours, theirs.numpy(), rtol=1e-10)
