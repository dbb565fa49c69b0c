"""fit/Trainer resume bit for bit, and Ctrl-C ends training cleanly (issue 12.11)."""
import os

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim
from tinygrad_book.training import Trainer, fit

pytestmark = pytest.mark.reliability

_rng = np.random.default_rng(0)
DATA = (_rng.standard_normal((120, 10)).astype(np.float32), _rng.integers(0, 3, 120))
VAL = (_rng.standard_normal((40, 10)).astype(np.float32), _rng.integers(0, 3, 40))


def _setup(init_seed=0):
    tb.manual_seed(init_seed)
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return model, opt, optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)


def _run(directory, epochs, seed, resume=False, init_seed=0, loss_fn=None, trainer=False):
    model, opt, sched = _setup(init_seed)
    kwargs = dict(epochs=epochs, batch_size=32, val_data=VAL, progress=False, seed=seed,
                  checkpoint_dir=directory, scheduler=sched, resume=resume, loss_fn=loss_fn)
    if trainer:
        history = Trainer(model, opt, DATA, **kwargs).train()
    else:
        history = fit(model, opt, DATA, **kwargs)
    return model, opt, sched, history


def _assert_same_run(a, b):
    (ma, oa, sa, ha), (mb, ob, sb, hb) = a, b
    for key, value in ma.state_dict().items():
        np.testing.assert_array_equal(np.asarray(mb.state_dict()[key]), np.asarray(value),
                                      err_msg=key)
    for (_, sta), (_, stb) in zip(oa.state_dict()["state"].items(),
                                    ob.state_dict()["state"].items(), strict=True):
        for k in sta:
            np.testing.assert_array_equal(np.asarray(stb[k]), np.asarray(sta[k]), err_msg=k)
    assert sa.state_dict() == sb.state_dict()
    for name in ("iteration_loss", "epoch", "train_loss", "train_acc", "val_loss", "val_acc"):
        assert getattr(ha, name) == getattr(hb, name), name
    assert ha.final == hb.final


@pytest.mark.parametrize("seed, trainer", [(0, False), (None, False), (0, True)])
def test_a_run_stopped_after_epoch_1_and_resumed_ends_bit_identical(tmp_path, seed, trainer):
    straight = _run(tmp_path / "a", 3, seed, trainer=trainer)
    _run(tmp_path / "b", 1, seed, trainer=trainer)
    # A fresh process would build the model anew, with other weights: resume must load them.
    resumed = _run(tmp_path / "b", 3, seed, resume=True, init_seed=123, trainer=trainer)
    _assert_same_run(straight, resumed)
    assert sorted(os.listdir(tmp_path / "b")) == ["epoch_001.npz", "epoch_002.npz",
                                                  "epoch_003.npz"]
    assert tb.load(tmp_path / "b" / "epoch_003.npz")["epoch"] == 3


def test_resume_without_a_checkpoint_starts_from_scratch_and_needs_a_directory(tmp_path):
    straight = _run(tmp_path / "a", 2, 0)
    _assert_same_run(straight, _run(tmp_path / "empty", 2, 0, resume=True))
    model, opt, _ = _setup()
    with pytest.raises(ValueError, match="resume=True needs checkpoint_dir"):
        fit(model, opt, DATA, epochs=1, resume=True, progress=False)


def test_a_damaged_newest_checkpoint_is_skipped_for_the_one_before(tmp_path):
    straight = _run(tmp_path / "a", 3, 0)
    _run(tmp_path / "b", 2, 0)
    newest = tmp_path / "b" / "epoch_002.npz"
    newest.write_bytes(newest.read_bytes()[:100])  # e.g. a disk that filled up
    with pytest.warns(RuntimeWarning, match=r"resume: skipping .*epoch_002.npz"):
        resumed = _run(tmp_path / "b", 3, 0, resume=True, init_seed=7)
    _assert_same_run(straight, resumed)


class _InterruptAt:
    """A loss function that raises KeyboardInterrupt (as Ctrl-C does) at its n-th call."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __call__(self, y, t):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return F.cross_entropy(y, t)


def test_ctrl_c_returns_the_history_so_far_and_keeps_complete_checkpoints(tmp_path):
    # Each epoch: 4 steps, then 2 evaluation calls (train, val); call 11 is a step of epoch 2.
    with pytest.warns(RuntimeWarning, match=r"training interrupted in epoch 2"):
        model, _, _, history = _run(tmp_path / "b", 3, 0, loss_fn=_InterruptAt(11))
    assert history.interrupted and not history.diverged
    assert history.epoch == [0, 1] and len(history.iteration_loss) > 4
    assert "interrupted=True" in repr(history)
    assert os.listdir(tmp_path / "b") == ["epoch_001.npz"]
    straight = _run(tmp_path / "a", 3, 0)
    resumed = _run(tmp_path / "b", 3, 0, resume=True, init_seed=5)
    assert not resumed[3].interrupted
    _assert_same_run(straight, resumed)
