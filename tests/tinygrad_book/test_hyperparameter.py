"""Random search: log-uniform sampling, ordering, validation-only scoring, executors."""
import math
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from functools import partial

import numpy as np
import pytest

from tinygrad_book import optim
from tinygrad_book.hyperparameter import (
    Choice,
    FitObjective,
    LogUniform,
    Trial,
    Uniform,
    narrow_space,
    random_search,
    sample_space,
)
from tinygrad_book.models import MLP
from tinygrad_book.training import History


class SerialExecutor(Executor):
    """Runs each task at once in this process: the reference the pools must agree with."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future, as a pool does
            future.set_exception(exc)
        return future


def lr_objective(params, seed):
    """Best at lr = 1e-3; picklable (top level) for the process pool."""
    return -abs(math.log10(params["lr"]) + 3)


def failing_objective(params, seed):
    raise ArithmeticError(f"trial with lr={params['lr']} failed")


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(7).normal(0, 3, (3, 6))
    t = rng.integers(0, 3, n)
    return (centres[t] + rng.normal(0, 1, (n, 6))).astype(np.float32), t.astype(np.int64)


def test_log_uniform_samples_stay_in_range_and_every_decade_is_equally_likely():
    dist = LogUniform(1e-6, 1e-2)
    rng = np.random.default_rng(0)
    values = np.array([dist.sample(rng) for _ in range(8000)])
    assert values.min() >= 1e-6 and values.max() < 1e-2
    counts = np.histogram(np.log10(values), bins=[-6, -5, -4, -3, -2])[0]
    # 2000 expected per decade; 5 standard deviations is about 194
    np.testing.assert_allclose(counts, 2000, atol=200)
    # a plain uniform draw would put ~90% of the values in the top decade
    assert np.mean(values < 1e-3) == pytest.approx(0.75, abs=0.025)


def test_uniform_and_choice_sampling():
    rng = np.random.default_rng(1)
    u = [Uniform(0.1, 0.5).sample(rng) for _ in range(2000)]
    assert 0.1 <= min(u) and max(u) < 0.5 and np.mean(u) == pytest.approx(0.3, abs=0.01)
    picks = [Choice(["relu", "tanh"]).sample(rng) for _ in range(2000)]
    assert set(picks) == {"relu", "tanh"} and picks.count("relu") == pytest.approx(1000, abs=120)
    params = sample_space({"lr": LogUniform(1e-4, 1e-3), "batch_size": 100}, rng)
    assert params["batch_size"] == 100 and 1e-4 <= params["lr"] < 1e-3


@pytest.mark.parametrize("make, error, message", [
    (lambda: LogUniform(0, 1e-2), ValueError, "low must be > 0"),
    (lambda: LogUniform(1e-2, 1e-6), ValueError, "low must be < high, got low=0.01, high=1e-06"),
    (lambda: Uniform(1, float("nan")), ValueError,
     "Uniform: high must be a finite number, got nan"),
    (lambda: Uniform("0", 1), TypeError, "Uniform: low must be a number, got str '0'"),
    (lambda: Choice([]), ValueError, "options must not be empty"),
    (lambda: sample_space({}, np.random.default_rng()), TypeError,
     "space must be a non-empty dict"),
    (lambda: random_search(lr_objective, {"lr": LogUniform(1e-4, 1e-2)}, 0), ValueError,
     "random_search: n_trials must be positive, got 0"),
    (lambda: random_search(lr_objective, {"lr": 1e-3}, 1, executor=object()), TypeError,
     "executor must be a concurrent.futures.Executor"),
    (lambda: narrow_space([], top_k=0), ValueError, "narrow_space: top_k must be positive, got 0"),
])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_results_are_sorted_best_first_and_repeat_with_the_seed():
    space = {"lr": LogUniform(1e-6, 1e-1)}
    results = random_search(lr_objective, space, 12, executor=SerialExecutor(), seed=3)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True) and len(results) == 12
    assert sorted(r.index for r in results) == list(range(12))
    for r in results:
        assert r.score == lr_objective(r.params, r.seed)
    assert len({r.seed for r in results}) == 12
    again = random_search(lr_objective, space, 12, executor=SerialExecutor(), seed=3)
    assert [(r.params, r.seed, r.score) for r in again] == [(r.params, r.seed, r.score)
                                                            for r in results]
    other = random_search(lr_objective, space, 12, executor=SerialExecutor(), seed=4)
    assert [r.params for r in other] != [r.params for r in results]


def test_scoring_uses_validation_accuracy_and_refuses_test_accuracy():
    h = History(epoch=[0, 1], val_acc=[0.2, 0.6], final={"val_acc": 0.65})
    results = random_search(lambda p, s: h, {"lr": 1e-2}, 1, executor=SerialExecutor())
    assert results[0].score == 0.65 and results[0].history is h

    leaked = History(epoch=[0, 1], val_acc=[0.2, 0.6], test_acc=[0.1, 0.5])
    with pytest.raises(ValueError, match="validation data only"):
        random_search(lambda p, s: leaked, {"lr": 1e-2}, 1, executor=SerialExecutor())
    with pytest.raises(ValueError, match="no validation accuracy"):
        random_search(lambda p, s: History(epoch=[1], train_acc=[0.5]), {"lr": 1e-2}, 1,
                      executor=SerialExecutor())
    with pytest.raises(ValueError, match="test_data is not allowed"):
        FitObjective(partial(MLP, 6, [8], 3), optim.SGD, blobs(10, 0), blobs(10, 1),
                     test_data=blobs(10, 2))
    with pytest.raises(TypeError, match="FitObjective: optimizer_cls must be callable, "
                                        "got str 'sgd'"):
        FitObjective(partial(MLP, 6, [8], 3), "sgd", blobs(10, 0), blobs(10, 1))


def test_diverged_and_nan_trials_rank_last():
    outcomes = {0.1: 0.5, 0.2: float("nan"), 0.3: History(epoch=[1], val_acc=[0.9], diverged=True),
                0.4: 0.7}
    results = random_search(lambda p, s: outcomes[p["lr"]], {"lr": Choice(list(outcomes))}, 16,
                            executor=SerialExecutor(), seed=0)
    best = [r.score for r in results if math.isfinite(r.score)]
    assert set(best) <= {0.5, 0.7} and results[0].score == 0.7
    assert all(r.score == -math.inf for r in results[len(best):])


def test_a_failing_trial_makes_the_search_raise():
    with pytest.raises(ArithmeticError, match="trial with lr="):
        random_search(failing_objective, {"lr": LogUniform(1e-4, 1e-2)}, 3,
                      executor=SerialExecutor())


def test_narrow_space_takes_the_ranges_of_the_best_trials():
    trials = [Trial(i, {"lr": lr, "wd": wd, "act": act, "bs": 100}, seed=i, score=score)
              for i, (lr, wd, act, score) in enumerate([
                  (1e-3, 1e-6, "relu", 0.9), (5e-3, 1e-5, "tanh", 0.8),
                  (2e-3, 1e-7, "relu", 0.85), (1e-6, 1e-4, "tanh", 0.1)])]
    space = {"lr": LogUniform(1e-6, 1e-2), "wd": Uniform(0, 1e-4),
             "act": Choice(["relu", "tanh", "sigmoid"]), "bs": 100}
    narrowed = narrow_space(trials, top_k=3, space=space)
    assert narrowed == {"lr": LogUniform(1e-3, 5e-3), "wd": Uniform(1e-7, 1e-5),
                        "act": Choice(["relu", "tanh"]), "bs": 100}
    assert narrow_space(trials, top_k=1, space=space) == {"lr": 1e-3, "wd": 1e-6, "act": "relu",
                                                          "bs": 100}
    guessed = narrow_space(trials, top_k=2)  # without the space: positive numbers -> log scale
    assert guessed == {"lr": LogUniform(1e-3, 2e-3), "wd": LogUniform(1e-7, 1e-6), "act": "relu",
                       "bs": 100}
    assert narrow_space(trials, top_k=4)["act"] == Choice(["relu", "tanh"])


def test_trials_run_on_a_process_pool_and_match_a_serial_run():
    train, val = blobs(120, 0), blobs(60, 1)
    objective = FitObjective(partial(MLP, 6, [16], 3), optim.SGD, train, val, epochs=2,
                             batch_size=30)
    space = {"lr": LogUniform(1e-3, 1.0), "momentum": Uniform(0.0, 0.9)}
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = random_search(objective, space, 4, executor=pool, seed=0)
    assert len(results) == 4
    for r in results:
        assert 1e-3 <= r.params["lr"] < 1.0 and 0.0 <= r.params["momentum"] < 0.9
        assert r.history.epoch == [0, 1, 2] and r.history.test_acc == []
        assert r.score == r.history.val_acc[-1] and 0.0 <= r.score <= 1.0
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert results[0].score > 0.8  # lr up to 1 on separable blobs: the best trial learns

    serial = random_search(objective, space, 4, executor=SerialExecutor(), seed=0)
    assert [(r.index, r.score, r.history.iteration_loss) for r in serial] == \
        [(r.index, r.score, r.history.iteration_loss) for r in results]


def test_the_default_executor_is_a_process_pool():
    results = random_search(lr_objective, {"lr": LogUniform(1e-5, 1e-1)}, 3, seed=1,
                            max_workers=2)
    assert len(results) == 3 and results[0].score >= results[-1].score
