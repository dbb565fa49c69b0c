"""Random hyper-parameter search, the book's section 6.5.

The book's recipe: hold out part of the training data as validation data
(never tune on the test data, or the test accuracy stops measuring
generalisation), sample hyper-parameters at random from log-scale ranges,
train each candidate for a few epochs, keep the best and narrow the ranges
around them, repeat.

    from functools import partial
    from tinygrad_book import optim
    from tinygrad_book.data import load_mnist, train_val_split
    from tinygrad_book.models import MLP
    from tinygrad_book.hyperparameter import FitObjective, LogUniform, random_search, narrow_space

    (x, t), _ = load_mnist()                       # the test split is not touched
    train, val = train_val_split(x, t, val_fraction=0.2, seed=0)
    objective = FitObjective(partial(MLP, 784, [100] * 6, 10), optim.SGD, train, val, epochs=5)
    space = {"lr": LogUniform(1e-6, 1e-2), "weight_decay": LogUniform(1e-8, 1e-4)}
    results = random_search(objective, space, n_trials=20, seed=0)
    results[0].params, results[0].score           # the best trial first
    space = narrow_space(results, top_k=5)        # ... and search again

Trials run through any :class:`concurrent.futures.Executor`: by default a
:class:`~concurrent.futures.ProcessPoolExecutor` (one process per core), so
the objective, its arguments and its result must be picklable (a top-level
function or a :class:`FitObjective`, not a lambda). A ``dask.distributed``
client's ``client.get_executor()`` is such an executor, so passing it spreads
the trials over a cluster with no other change. Where processes start by
"spawn" (macOS, Windows), a script must call :func:`random_search` under
``if __name__ == "__main__":``, as for any process pool.
"""
import math
import numbers
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TypeGuard

import numpy as np

from . import checks

__all__ = ["LogUniform", "Uniform", "Choice", "Trial", "FitObjective", "sample_space",
           "random_search", "narrow_space"]


class _Range:
    """A continuous range ``[low, high)``; subclasses say how values in it are drawn."""

    def __init__(self, low, high):
        name = type(self).__name__
        low, high = checks.finite(low, "low", name), checks.finite(high, "high", name)
        if not low < high:
            raise ValueError(f"{name}: low must be < high, got low={low!r}, high={high!r}")
        self.low, self.high = float(low), float(high)

    def narrowed(self, values):
        """The same kind of range spanning ``values``; their value if they are all equal."""
        lo, hi = min(values), max(values)
        return type(self)(lo, hi) if lo < hi else lo

    def __eq__(self, other):
        return type(other) is type(self) and (self.low, self.high) == (other.low, other.high)

    def __repr__(self):
        return f"{type(self).__name__}({self.low:g}, {self.high:g})"


class LogUniform(_Range):
    """Values whose logarithm is uniform in ``[log10(low), log10(high))``.

    The book's ``10 ** np.random.uniform(-6, -2)`` is ``LogUniform(1e-6, 1e-2)``:
    each decade is equally likely, which suits learning rates and weight
    decays whose good values span orders of magnitude.
    """

    def __init__(self, low, high):
        super().__init__(low, high)
        if low <= 0:
            raise ValueError(f"LogUniform: low must be > 0 (a logarithm is taken), got {low!r}")

    def sample(self, rng):
        return float(10.0 ** rng.uniform(math.log10(self.low), math.log10(self.high)))


class Uniform(_Range):
    """Values uniform in ``[low, high)`` (e.g. a dropout ratio)."""

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))


class Choice:
    """One of ``options``, each equally likely (e.g. a batch size or an activation)."""

    def __init__(self, options):
        self.options = list(options)
        if not self.options:
            raise ValueError("Choice: options must not be empty")

    def sample(self, rng):
        return self.options[int(rng.integers(len(self.options)))]

    def narrowed(self, values):
        kept = [o for o in self.options if o in values]
        return Choice(kept) if len(kept) > 1 else kept[0]

    def __eq__(self, other):
        return type(other) is type(self) and self.options == other.options

    def __repr__(self):
        return f"Choice({self.options!r})"


def _is_distribution(value: object) -> TypeGuard[LogUniform | Uniform | Choice]:
    return isinstance(value, (_Range, Choice))


def sample_space(space, rng):
    """One dict of values: each distribution in ``space`` sampled, constants kept as given."""
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space must be a non-empty dict of name -> LogUniform/Uniform/Choice "
                        f"or a constant, got {space!r}")
    return {name: dist.sample(rng) if _is_distribution(dist) else dist
            for name, dist in space.items()}


@dataclass
class Trial:
    """One tried set of hyper-parameters.

    ``score`` is the validation accuracy (higher is better; ``-inf`` when
    training diverged), ``history`` the trial's
    :class:`~tinygrad_book.training.History` (its curves), ``seed`` the seed
    it ran with, ``index`` its position in sampling order.
    """

    index: int
    params: dict
    seed: int
    score: float
    history: object = field(default=None, repr=False)


def _score(result, index):
    """The validation score of an objective's return value, and the history if there is one."""
    if isinstance(result, numbers.Real) and not isinstance(result, bool):
        score = float(result)
        return (score if math.isfinite(score) else -math.inf), None
    test_acc = getattr(result, "test_acc", None)
    val_acc = getattr(result, "val_acc", None)
    if val_acc is None:
        raise TypeError(f"trial {index}: the objective must return a validation score (a number) "
                        f"or a History, got {type(result).__name__}")
    if test_acc:
        raise ValueError(f"trial {index}: the History holds test accuracies; a hyper-parameter "
                         "search must be scored on validation data only (train with val_data, "
                         "not test_data)")
    if getattr(result, "diverged", False):
        return -math.inf, result
    if not val_acc:
        raise ValueError(f"trial {index}: the History has no validation accuracy; train with "
                         "val_data so the trial can be scored")
    return float(result.final.get("val_acc", val_acc[-1])), result


def _run_trial(objective, params, seed):
    """Worker side: seed the global generator, then call ``objective(params, seed)``."""
    from .random import manual_seed
    manual_seed(seed)
    return objective(dict(params), seed)


class FitObjective:
    """A picklable objective that trains a fresh model and returns its History.

    ``model_fn()`` builds the model (a top-level function, or e.g.
    ``functools.partial(MLP, 784, [100] * 6, 10)``); ``optimizer_cls`` is an
    optimizer class called as ``optimizer_cls(model.parameters(), **params)``,
    so the search space names its arguments (``lr``, ``weight_decay``, ...).
    ``train_data`` and ``val_data`` are ``(x, t)`` pairs or Datasets; the
    remaining keywords go to :func:`tinygrad_book.training.fit`. A parameter
    named ``batch_size`` in the space overrides ``batch_size``.
    """

    def __init__(self, model_fn, optimizer_cls, train_data, val_data, epochs=5, batch_size=100,
                 **fit_kwargs):
        if "test_data" in fit_kwargs:
            raise ValueError("FitObjective: test_data is not allowed; a hyper-parameter search "
                             "is scored on validation data only")
        for name, value in (("model_fn", model_fn), ("optimizer_cls", optimizer_cls)):
            if not callable(value):
                raise TypeError(f"FitObjective: {name} must be callable, got "
                                f"{type(value).__name__} {value!r}")
        self.model_fn, self.optimizer_cls = model_fn, optimizer_cls
        self.train_data, self.val_data = train_data, val_data
        self.epochs, self.batch_size = epochs, batch_size
        self.fit_kwargs = {"progress": False, **fit_kwargs}

    def __call__(self, params, seed):
        from .training import fit
        params = dict(params)
        batch_size = params.pop("batch_size", self.batch_size)
        model = self.model_fn()
        optimizer = self.optimizer_cls(model.parameters(), **params)
        with warnings.catch_warnings():
            # A diverging trial is an expected outcome of random search, not news.
            warnings.simplefilter("ignore", RuntimeWarning)
            return fit(model, optimizer, self.train_data, epochs=self.epochs,
                       batch_size=batch_size, val_data=self.val_data, seed=seed,
                       **self.fit_kwargs)


def random_search(objective, space, n_trials, executor=None, seed=0, max_workers=None):
    """Try ``n_trials`` random draws from ``space``; returns the :class:`Trial` list, best first.

    ``objective(params, seed)`` trains on the training part and returns the
    validation score (a number, higher is better) or a History trained with
    ``val_data`` (scored by its final validation accuracy; a History with
    test accuracies is refused). Before each call the worker runs
    ``tinygrad_book.manual_seed(seed)``. ``space`` maps names to
    :class:`LogUniform`, :class:`Uniform`, :class:`Choice` or constants.

    Determinism: all parameters and the per-trial seeds are drawn up front
    from ``seed``, so the same ``seed`` gives the same trials and results
    whatever the executor or the order in which trials finish.

    ``executor``: any :class:`concurrent.futures.Executor` (e.g. a
    ``dask.distributed`` client's ``get_executor()``); it is not shut down.
    Default: a ProcessPoolExecutor with ``max_workers`` processes (default
    ``min(n_trials, os.cpu_count())``), closed afterwards. A trial whose
    objective raises makes the search raise. Ties keep sampling order.
    """
    n_trials = checks.integer(n_trials, "n_trials", "random_search", minimum=1)
    if not callable(objective):
        raise TypeError(f"random_search: objective must be callable as objective(params, seed), "
                        f"got {type(objective).__name__}")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(f"random_search: executor must be a concurrent.futures.Executor (with "
                        f"submit()), got {type(executor).__name__}")
    rng = np.random.default_rng(seed)
    params = [sample_space(space, rng) for _ in range(n_trials)]
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(int(n_trials))]

    own = executor is None
    if own:
        executor = ProcessPoolExecutor(max_workers=max_workers
                                       or min(int(n_trials), os.cpu_count() or 1))
    try:
        futures = [executor.submit(_run_trial, objective, p, s)
                   for p, s in zip(params, seeds, strict=True)]
        trials = []
        for i, (future, p, s) in enumerate(zip(futures, params, seeds, strict=True)):
            try:
                result = future.result()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
            score, history = _score(result, i)
            trials.append(Trial(i, p, s, score, history))
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    return sorted(trials, key=lambda tr: -tr.score)


def narrow_space(results, top_k=5, space=None):
    """The ranges spanned by the ``top_k`` best trials: the book's narrowing step.

    Each :class:`LogUniform`/:class:`Uniform` becomes ``[min, max]`` of the
    values the best trials used, a :class:`Choice` keeps the options they
    used, and a parameter all of them share becomes a constant. With
    ``space`` (the space that was searched) the kind of each distribution is
    kept; without it, numeric parameters become :class:`LogUniform` when all
    their values are positive.
    """
    top_k = checks.integer(top_k, "top_k", "narrow_space", minimum=1)
    best = sorted(results, key=lambda tr: -tr.score)[:top_k]
    if not best:
        raise ValueError("narrow_space: results is empty")
    narrowed = {}
    for name in best[0].params:
        values = [tr.params[name] for tr in best]
        kind = (space or {}).get(name)
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
        if _is_distribution(kind):
            narrowed[name] = kind.narrowed(values)
        elif kind is None and numeric and min(values) < max(values):
            narrowed[name] = (LogUniform if min(values) > 0 else Uniform)(min(values), max(values))
        elif all(v == values[0] for v in values):
            narrowed[name] = values[0]
        else:
            narrowed[name] = Choice(list(dict.fromkeys(values)))
    return narrowed
