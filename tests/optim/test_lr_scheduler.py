"""Learning-rate schedulers: values against torch.optim.lr_scheduler, checkpoints, checks."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.optim import lr_scheduler as S

EPOCHS = 50
LRS = (0.1, 0.05)


def two_groups(cls=optim.SGD, **kwargs):
    """An optimizer with two parameter groups of different lr (``cls`` from either library)."""
    if cls.__module__.startswith("torch"):
        import torch

        make = lambda: torch.zeros(2, requires_grad=True)  # noqa: E731
    else:
        make = lambda: tb.Tensor(np.zeros(2), requires_grad=True)  # noqa: E731
    return cls([{"params": [make()], "lr": LRS[0]}, {"params": [make()], "lr": LRS[1]}], **kwargs)


def plateau_metrics():
    """Improves, stalls, improves a little, wobbles: exercises patience, threshold, cooldown."""
    rng = np.random.default_rng(0)
    base = [1.0 / (1 + e) if e < 10 else 0.1 for e in range(EPOCHS)]
    return [float(b + 0.002 * rng.normal()) if 25 <= e < 35 else b - 1e-6 * (e % 3)
            for e, b in enumerate(base)]


def record(opt, sched, metrics=None, momentum_key=None):
    """Learning rates (and momenta) at construction and after each of EPOCHS - 1 steps."""
    lrs, moms = [sched.get_last_lr()], []
    for epoch in range(1, EPOCHS):
        opt.step()
        sched.step(metrics[epoch]) if metrics is not None else sched.step()
        lrs.append(list(sched.get_last_lr()))
        if momentum_key == "betas":
            moms.append([g["betas"][0] for g in opt.param_groups])
        elif momentum_key:
            moms.append([g[momentum_key] for g in opt.param_groups])
    return np.array(lrs, dtype=float), np.array(moms, dtype=float)


SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5), {}),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3), {}),
    ("ExponentialLR", dict(gamma=0.93), {}),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001), {}),
    ("CosineAnnealingLR", dict(T_max=50), {}),
    ("LinearLR", dict(start_factor=0.1, total_iters=8), {}),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=10), {}),
    ("OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=EPOCHS), dict(momentum=0.9)),
    ("OneCycleLR", dict(max_lr=0.3, epochs=5, steps_per_epoch=10, anneal_strategy="linear",
                        three_phase=True, cycle_momentum=False, pct_start=0.25), {}),
]


def lambda_cases():
    return [("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e)), {}),
            ("LambdaLR", dict(lr_lambda=[lambda e: 0.9 ** e, lambda e: (e // 10 + 1)]), {})]


@pytest.mark.parametrize("name, kwargs, opt_kwargs", SCHEDULES + lambda_cases(),
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SCHEDULES + lambda_cases())])
def test_learning_rates_match_torch_over_50_epochs(name, kwargs, opt_kwargs):
    torch = pytest.importorskip("torch")
    ours_opt = two_groups(**opt_kwargs)
    theirs_opt = two_groups(torch.optim.SGD, **opt_kwargs)
    ours, our_moms = record(ours_opt, getattr(S, name)(ours_opt, **kwargs),
                            momentum_key="momentum")
    theirs, their_moms = record(theirs_opt,
                                getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs),
                                momentum_key="momentum")
    assert ours.shape == (EPOCHS, 2)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(our_moms, their_moms, rtol=1e-12)
    assert np.ptp(ours[:, 0]) > 0  # the schedule really moves
    assert [g["lr"] for g in ours_opt.param_groups] == list(ours[-1])


def test_one_cycle_with_adam_cycles_beta1_like_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(max_lr=0.01, total_steps=EPOCHS, base_momentum=0.8, max_momentum=0.9)
    ours_opt, theirs_opt = two_groups(optim.Adam), two_groups(torch.optim.Adam)
    ours = record(ours_opt, S.OneCycleLR(ours_opt, **kwargs), momentum_key="betas")
    theirs = record(theirs_opt, torch.optim.lr_scheduler.OneCycleLR(theirs_opt, **kwargs),
                    momentum_key="betas")
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert ours_opt.param_groups[0]["betas"][1] == 0.999


@pytest.mark.parametrize("kwargs", [
    dict(patience=3),
    dict(mode="max", patience=2, factor=0.5),
    dict(patience=2, threshold=0.05, threshold_mode="abs", cooldown=3),
    dict(patience=1, factor=0.2, min_lr=[0.01, 0.002], eps=1e-3),
    dict(patience=0, threshold=0.0),
])
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    metrics = plateau_metrics()
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    ours_opt, theirs_opt = two_groups(), two_groups(torch.optim.SGD)
    ours, _ = record(ours_opt, S.ReduceLROnPlateau(ours_opt, **kwargs), metrics)
    theirs, _ = record(theirs_opt, torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs),
                       metrics)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[-1, 0] < LRS[0]


def test_closed_forms():
    """The recursive updates land on the textbook formulas (no torch needed)."""
    opt = two_groups()
    step = S.StepLR(opt, step_size=3, gamma=0.5)
    lrs, _ = record(opt, step)
    expected = [0.1 * 0.5 ** (e // 3) for e in range(EPOCHS)]
    np.testing.assert_allclose(lrs[:, 0], expected, rtol=1e-12)

    opt = two_groups()
    lrs, _ = record(opt, S.CosineAnnealingLR(opt, T_max=20, eta_min=0.01))
    expected = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * e / 20)) / 2 for e in range(EPOCHS)]
    np.testing.assert_allclose(lrs[:, 0], expected, rtol=1e-9)

    opt = two_groups()
    lrs, _ = record(opt, S.LinearLR(opt, start_factor=0.25, total_iters=4))
    np.testing.assert_allclose(lrs[:6, 1], [0.05 * f for f in (0.25, 0.4375, 0.625, 0.8125, 1, 1)])


def test_construction_sets_initial_lr_and_takes_step_zero():
    opt = two_groups()
    sched = S.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    assert sched.last_epoch == 0 and sched.base_lrs == list(LRS)
    assert sched.get_last_lr() == list(LRS)
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.025] and sched.last_epoch == 1


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match=r"'initial_lr' is not specified in param_groups\[0\]"):
        S.StepLR(two_groups(), step_size=2, last_epoch=3)


def test_scheduler_before_optimizer_step_warns():
    opt = two_groups()
    sched = S.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning,
                      match=r"lr_scheduler.step\(\) was called before optimizer.step\(\)"):
        sched.step()


@pytest.mark.parametrize("make", [
    lambda o: S.StepLR(o, step_size=4, gamma=0.5),
    lambda o: S.MultiStepLR(o, milestones=[2, 8], gamma=0.5),
    lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
    lambda o: S.LinearLR(o, start_factor=0.2, total_iters=10),
    lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=20),
    lambda o: S.ReduceLROnPlateau(o, patience=1, cooldown=1),
], ids=["StepLR", "MultiStepLR", "Cosine", "LinearLR", "OneCycleLR", "Plateau"])
@pytest.mark.parametrize("through_file", [False, True], ids=["dict", "file"])
def test_checkpoint_resume_gives_the_same_schedule(make, through_file, tmp_path):
    if through_file:
        pytest.importorskip("tinygrad_book.serialization")
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]

    def advance(opt, sched, epochs):
        out = []
        for e in epochs:
            opt.step()
            sched.step(metrics[e]) if isinstance(sched, S.ReduceLROnPlateau) else sched.step()
            out.append(sched.get_last_lr())
        return out

    opt = two_groups(momentum=0.9)
    sched = make(opt)
    advance(opt, sched, range(3))
    checkpoint = {"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}
    if through_file:
        tb.save(checkpoint, tmp_path / "ckpt.npz")
        checkpoint = tb.load(tmp_path / "ckpt.npz")
    expected = advance(opt, sched, range(3, 14))

    opt2 = two_groups(momentum=0.9)
    sched2 = make(opt2)
    opt2.load_state_dict(checkpoint["optimizer"])
    sched2.load_state_dict(checkpoint["scheduler"])
    assert advance(opt2, sched2, range(3, 14)) == expected
    assert len(set(map(tuple, expected))) > 1  # the resumed part still changes the lr


def test_scheduler_state_dict_of_another_kind_is_refused():
    opt = two_groups()
    step = S.StepLR(opt, step_size=3)
    cosine = S.CosineAnnealingLR(two_groups(), T_max=4)
    before = step.state_dict()
    with pytest.raises(ValueError, match=r"missing keys \['gamma', 'step_size'\], unexpected keys "
                                         r"\['T_max', 'eta_min'\]"):
        step.load_state_dict(cosine.state_dict())
    bad = dict(before, base_lrs=[0.1])
    with pytest.raises(ValueError, match="base_lrs has 1 entries, but this scheduler has 2"):
        step.load_state_dict(bad)
    assert step.state_dict() == before


def test_lambda_lr_saves_callable_objects_but_not_functions():
    class Warmup:
        def __init__(self):
            self.warm = 3

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.warm)

    opt = two_groups()
    warm = Warmup()
    sched = S.LambdaLR(opt, [warm, lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"warm": 3}, None]
    warm.warm = 10
    sched.load_state_dict(state)
    assert warm.warm == 3


@pytest.mark.parametrize("make, error, message", [
    (lambda o: S.StepLR(o, step_size=0), ValueError, r"Invalid step_size: step_size=0"),
    (lambda o: S.StepLR(o, step_size=2.5), TypeError, "step_size must be an int, got float"),
    (lambda o: S.ExponentialLR(o, gamma=-0.5), ValueError, r"Invalid gamma: gamma=-0\.5"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, r"Invalid T_max: T_max=0\.0"),
    (lambda o: S.MultiStepLR(o, milestones=[2, "5"]), TypeError,
     r"MultiStepLR: milestones\[1\] must be an int, got str '5'"),
    (lambda o: S.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
    (lambda o: S.LinearLR(o, start_factor=0), ValueError, r"Invalid start_factor: start_factor=0"),
    (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, r"Invalid end_factor"),
    (lambda o: S.OneCycleLR(o, max_lr=0.1), ValueError, "either total_steps OR"),
    (lambda o: S.OneCycleLR(o, max_lr=[0.1], total_steps=5), ValueError,
     "expected 2 values for max_lr"),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=5, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear'"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda o: S.ReduceLROnPlateau(o, mode="low"), ValueError, "mode 'low' is unknown"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode 'x'"),
    (lambda o: S.ReduceLROnPlateau(o, patience=-1), ValueError, r"Invalid patience"),
    (lambda o: S.StepLR(object(), step_size=2), TypeError, "object is not an Optimizer"),
])
def test_bad_scheduler_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(two_groups())


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = two_groups()
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total "
                                         "steps is 3"):
        sched.step()


def test_one_cycle_needs_momentum_or_betas_to_cycle():
    opt = optim.Adagrad([tb.Tensor(np.zeros(2), requires_grad=True)])
    with pytest.raises(ValueError, match="Adagrad has neither momentum nor betas"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=5)


def test_plateau_metric_must_be_a_number():
    sched = S.ReduceLROnPlateau(two_groups())
    with pytest.raises(TypeError,
                       match=r"step\(\): metrics must be a number, got str 'low'"):
        sched.step("low")
    sched.step(tb.Tensor(np.array(0.5)))
    assert sched.best == 0.5
