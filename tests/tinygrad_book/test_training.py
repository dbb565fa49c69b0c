"""The training loop: history bookkeeping, evaluation mode, checkpoints, divergence, errors."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn, optim
from tinygrad_book.training import (
    History,
    Trainer,
    accuracy,
    evaluate,
    fit,
    load_checkpoint,
    save_checkpoint,
)


def blobs(n, seed, classes=3, features=8):
    """``n`` points around ``classes`` well separated centres; float32 x, int64 labels."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(123).normal(0, 3, (classes, features))
    t = rng.integers(0, classes, n)
    x = centres[t] + rng.normal(0, 1, (n, features))
    return x.astype(np.float32), t.astype(np.int64)


def small_model(seed=0, dropout=0.0):
    tb.manual_seed(seed)
    layers = [nn.Linear(8, 16), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(16, 3))


TRAIN, VAL, TEST = blobs(96, 1), blobs(40, 2), blobs(50, 3)


def test_history_lengths_follow_epochs_and_batches():
    model = small_model()
    h = fit(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=3, batch_size=32,
            val_data=VAL, test_data=TEST, progress=False, seed=0)
    assert len(h.iteration_loss) == 3 * 3  # 96 samples / 32 per batch, 3 epochs
    assert h.epoch == [0, 1, 2, 3]
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc"):
        assert len(getattr(h, name)) == 4, name
    assert h.final == {"val_loss": h.val_loss[-1], "val_acc": h.val_acc[-1],
                       "test_loss": h.test_loss[-1], "test_acc": h.test_acc[-1]}
    assert not h.diverged and h.seconds > 0


def test_without_per_epoch_evaluation_only_the_last_epoch_is_measured():
    model = small_model()
    h = fit(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=2, batch_size=50,
            evaluate_every_epoch=False, progress=False)
    assert len(h.iteration_loss) == 2 * 2  # 96 / 50 -> a full and a partial batch
    assert h.epoch == [2] and len(h.train_acc) == 1
    assert h.val_acc == [] and h.test_acc == [] and h.final == {}


def test_accuracies_are_fractions_and_match_a_direct_count():
    model = small_model()
    fit(model, optim.SGD(model.parameters(), lr=0.05), TRAIN, epochs=1, batch_size=16,
        progress=False)
    x, t = TEST
    with tb.no_grad():
        predicted = model(tb.Tensor(x)).numpy().argmax(axis=1)
    expected = float((predicted == t).mean())
    assert accuracy(model, x, t, batch_size=7) == pytest.approx(expected)
    one_hot = np.eye(3, dtype=np.float32)[t]
    assert accuracy(model, x, one_hot) == pytest.approx(expected)
    loss, acc = evaluate(model, TEST, loss_fn=nn.functional.cross_entropy, batch_size=13)
    assert 0.0 <= acc <= 1.0 and acc == pytest.approx(expected)
    full_loss = nn.functional.cross_entropy(model(tb.Tensor(x)), tb.Tensor(t)).item()
    assert loss == pytest.approx(full_loss, rel=1e-5)


def test_a_short_run_learns():
    model = small_model()
    h = fit(model, optim.Adam(model.parameters(), lr=0.01), TRAIN, epochs=8, batch_size=16,
            test_data=TEST, progress=False, seed=0)
    assert h.train_acc[0] < 0.7
    assert h.train_acc[-1] >= 0.95 and h.test_acc[-1] >= 0.9
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]


def test_evaluation_runs_in_eval_mode_without_a_graph_and_restores_train_mode():
    seen = []

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = small_model()

        def forward(self, x):
            seen.append((self.training, tb.is_grad_enabled()))
            return self.inner(x)

    model = Recorder()
    fit(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=1, batch_size=96,
        val_data=VAL, progress=False)
    # epoch 0: train + val evaluation, then one step, then train + val evaluation
    assert seen == [(False, False), (False, False), (True, True), (False, False), (False, False)]
    assert model.training
    model.eval()
    accuracy(model, *TEST)
    assert not model.training  # accuracy() leaves an eval-mode model in eval mode


def test_subsampled_evaluation_and_a_full_final_measurement():
    model = small_model()
    h = fit(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=2, batch_size=32,
            test_data=TEST, evaluate_sample_num_per_epoch=10, progress=False)
    assert all(acc * 10 == round(acc * 10) for acc in h.test_acc)  # out of 10 samples
    assert h.final["test_acc"] == pytest.approx(accuracy(model, *TEST))


def test_same_seed_same_run():
    runs = []
    for _ in range(2):
        model = small_model(seed=5, dropout=0.3)
        runs.append(fit(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), TRAIN,
                        epochs=2, batch_size=16, progress=False, seed=11).iteration_loss)
    assert runs[0] == runs[1]
    model = small_model(seed=5, dropout=0.3)
    other = fit(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), TRAIN, epochs=2,
                batch_size=16, progress=False, seed=12).iteration_loss
    assert other != runs[0]


def test_checkpoint_each_epoch_is_written_and_loadable(tmp_path):
    model = small_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    fit(model, opt, TRAIN, epochs=2, batch_size=32, progress=False, checkpoint_dir=tmp_path / "ck")
    files = sorted(p.name for p in (tmp_path / "ck").iterdir())
    assert files == ["epoch_001.npz", "epoch_002.npz"]

    restored = small_model(seed=9)
    restored_opt = optim.Adam(restored.parameters(), lr=0.01)
    assert load_checkpoint(tmp_path / "ck" / "epoch_002.npz", restored, restored_opt) == 2
    for (name, a), (_, b) in zip(model.state_dict().items(), restored.state_dict().items(),
                                 strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)
    assert accuracy(restored, *TEST) == accuracy(model, *TEST)
    # the optimizer continues exactly as the original: one more identical step each
    x, t = tb.Tensor(TRAIN[0][:16]), tb.Tensor(TRAIN[1][:16])
    for m, o in ((model, opt), (restored, restored_opt)):
        o.zero_grad()
        nn.functional.cross_entropy(m(x), t).backward()
        o.step()
    for a, b in zip(model.parameters(), restored.parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_load_checkpoint_refuses_a_file_that_is_not_one(tmp_path):
    path = tmp_path / "weights.npz"
    tb.save({"weight": np.zeros(3, dtype=np.float32)}, path)
    with pytest.raises(ValueError, match="not a training checkpoint.*'model'"):
        load_checkpoint(path, small_model())
    save_checkpoint(tmp_path / "model_only.npz", small_model())
    with pytest.raises(ValueError, match="no optimizer state"):
        model = small_model()
        load_checkpoint(tmp_path / "model_only.npz", model, optim.SGD(model.parameters(), lr=1))


def test_divergence_stops_training_with_a_warning():
    model = small_model()
    with pytest.warns(RuntimeWarning, match="training stopped in epoch 1 .*smaller learning rate"):
        with np.errstate(all="ignore"):
            h = fit(model, optim.SGD(model.parameters(), lr=1e30), TRAIN, epochs=5, batch_size=16,
                    progress=False)
    assert h.diverged and not math.isfinite(h.iteration_loss[-1])
    assert len(h.iteration_loss) < 5 * 6
    assert "diverged=True" in repr(h)


def test_progress_prints_one_line_per_epoch(capsys):
    model = small_model()
    fit(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=2, batch_size=32,
        val_data=VAL, progress=True)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("epoch")]
    assert [ln.split(":")[0] for ln in lines] == ["epoch 0/2", "epoch 1/2", "epoch 2/2"]
    assert "val loss" in lines[-1] and "train loss" in lines[-1]
    fit(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=1, progress=False)
    assert capsys.readouterr().out == ""


def test_trainer_object_keeps_its_history():
    model = small_model()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, epochs=1,
                      batch_size=48, progress=False)
    h = trainer.train()
    assert h is trainer.history and isinstance(h, History)
    assert h.to_dict()["epoch"] == [0, 1]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be positive, got 0"),
    ({"epochs": 1.5}, TypeError, "epochs must be an int, got float 1.5"),
    ({"batch_size": 0}, ValueError, "batch_size must be positive, got 0"),
    ({"train_data": [1, 2, 3]}, TypeError, "train_data must be a Dataset or an \\(x, t\\) pair"),
    ({"train_data": np.zeros((4, 8))}, TypeError,
     "got a ndarray; pass the inputs with their labels"),
    ({"train_data": (np.zeros((4, 8)), np.zeros(5))}, ValueError, "train_data: .*size mismatch"),
    ({"val_data": (np.zeros((0, 8)), np.zeros(0))}, ValueError, "val_data is empty"),
    ({"loss_fn": "mse"}, TypeError, "loss_fn must be callable"),
    ({"optimizer": "adam"}, TypeError, "optimizer must have step\\(\\) and zero_grad\\(\\)"),
    ({"evaluate_sample_num_per_epoch": 0}, ValueError,
     "evaluate_sample_num_per_epoch must be positive, got 0"),
])
def test_bad_arguments_are_named(kwargs, error, message):
    model = small_model()
    args = {"optimizer": optim.SGD(model.parameters(), lr=0.1), "train_data": TRAIN, **kwargs}
    with pytest.raises(error, match=message):
        Trainer(model, **args)


def test_non_logit_outputs_are_refused_when_measuring_accuracy():
    with pytest.raises(ValueError, match=r"logits of shape \(N, classes\).*\(50,\)"):
        accuracy(lambda x: x.sum(axis=1), *TEST)


def test_an_epoch_scheduler_steps_once_per_epoch_and_is_checkpointed(tmp_path):
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, opt, TRAIN, epochs=3, batch_size=32, progress=False, scheduler=sched,
        checkpoint_dir=tmp_path)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 3)
    fresh = small_model()
    fresh_opt = optim.SGD(fresh.parameters(), lr=0.1)
    fresh_sched = optim.lr_scheduler.StepLR(fresh_opt, step_size=1, gamma=0.5)
    assert load_checkpoint(tmp_path / "epoch_002.npz", fresh, fresh_opt, fresh_sched) == 2
    assert fresh_opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 2)
    assert fresh_sched.last_epoch == 2


def test_a_step_scheduler_steps_once_per_batch():
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (1 + step))
    fit(model, opt, TRAIN, epochs=2, batch_size=32, progress=False, scheduler=sched,
        scheduler_interval="step")
    assert sched.last_epoch == 6 and opt.param_groups[0]["lr"] == pytest.approx(1 / 7)


def test_plateau_scheduler_gets_the_validation_loss():
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    seen = []

    class Spy(optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            return super().step(metrics)

    h = fit(model, opt, TRAIN, epochs=2, batch_size=32, val_data=VAL, progress=False,
            scheduler=Spy(opt))
    assert seen == h.val_loss[1:]
    with pytest.raises(ValueError, match="ReduceLROnPlateau needs an epoch's loss"):
        Trainer(model, opt, TRAIN, scheduler=Spy(opt), scheduler_interval="step")
    with pytest.raises(ValueError, match="scheduler_interval must be 'epoch' or 'step', got 'x'"):
        Trainer(model, opt, TRAIN, scheduler=optim.lr_scheduler.StepLR(opt, 1),
                scheduler_interval="x")


def test_fit_takes_a_dataset_of_real_digits_and_learns():
    from tinygrad_book.data import MNIST, Subset
    from tinygrad_book.models import MLP
    train = Subset(MNIST(train=True, source="sample"), np.arange(600))
    test = Subset(MNIST(train=False, source="sample"), np.arange(300))
    tb.manual_seed(0)
    model = MLP(784, [50], 10)
    h = fit(model, optim.Adam(model.parameters(), lr=3e-3), train, epochs=3, batch_size=50,
            test_data=test, progress=False, seed=0)
    assert h.test_acc[0] < 0.3 and h.test_acc[-1] > 0.75
    assert len(h.iteration_loss) == 3 * 12
