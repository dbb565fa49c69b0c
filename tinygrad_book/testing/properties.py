"""``gradcheck_property``: let Hypothesis search for the input that breaks a gradient.

Two ways to call it::

    from tinygrad_book.testing import gradcheck_property
    from tinygrad_book.testing.strategies import axes, broadcastable_shapes, shapes, tensors

    gradcheck_property(lambda a, b: my_mul(a, b), broadcastable_shapes(2))

    @gradcheck_property(max_examples=50)          # or a test that builds its inputs
    def test_my_sum(draw):
        x = draw(tensors(shapes(min_dims=1)))
        axis = draw(axes(x.ndim))
        return (lambda t: my_sum(t, axis)), (x,)

Hypothesis draws inputs, ``gradcheck`` (and ``gradgradcheck``) checks each, and
the first failure is shrunk to the smallest failing example. The AssertionError
shows that example (shapes and values), the element-level gradcheck report and
the seed that reproduces it. Failures are reproduced by that seed, not by
Hypothesis's example database, which is not used. (The same seed replays the
same search in the same program; Hypothesis also mixes in constants it finds in
your loaded modules, and caches them under ``.hypothesis/``, so changed code may
search differently.)
"""
import functools
import inspect
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import checks
from ..gradcheck import GradcheckError, gradcheck, gradgradcheck
from ..tensor import Tensor
from ._optional import hypothesis, require_hypothesis, st
from .strategies import Shape, tensors

_MIN_EXAMPLES = [1]  # raised by the pytest plugin's --gradcheck-examples N


def set_min_examples(n: int) -> int:
    """Make every ``gradcheck_property`` run at least ``n`` examples; returns the old value.

    The pytest plugin's ``--gradcheck-examples N`` calls this for a deeper run.
    """
    old, _MIN_EXAMPLES[0] = _MIN_EXAMPLES[0], checks.integer(n, "n", "set_min_examples", 1)
    return old


class _Failure(AssertionError):
    """One example's failure, raised inside the search so that Hypothesis shrinks it."""


def gradcheck_property(fn=None, *specs, max_examples=100, second_order=False, seed=None,
                       avoid_kinks=True, kinks=(0.0,), eps=1e-6, atol=1e-5, rtol=1e-3):
    """Gradcheck ``fn`` on inputs Hypothesis draws from ``specs``; report the smallest failure.

    Args:
        fn: takes the drawn arguments, returns a Tensor (or a tuple of them).
        specs: one per argument (or group of arguments): a fixed shape such as
            ``(2, 3)``, a Tensor, or a Hypothesis strategy. A drawn ``Shape``
            (from ``strategies.shapes``) becomes a random float64 tensor, a drawn
            tuple of shapes (``broadcastable_shapes(n)``) becomes n tensors, a
            drawn Tensor is used as it is, anything else (an axis) is passed as is.
        max_examples: how many inputs to try (at least the pytest plugin's
            ``--gradcheck-examples``).
        second_order: also run ``gradgradcheck``.
        seed: the search's seed; ``None`` draws one, and the failure message says it.
        avoid_kinks: keep every input value at least ``10 * eps`` from each of
            ``kinks`` (default 0, where ReLU and abs bend) and from every other
            value (ties, where max bends); values are moved up, never dropped.
        eps, atol, rtol: passed to ``gradcheck``.
    Raises:
        AssertionError: with the minimal example, the gradcheck report and the seed.
    Used as a decorator, ``@gradcheck_property`` or ``@gradcheck_property(...)``
    on ``def test_x(draw, ...)``, which returns ``(fn, inputs)``: the result is a
    test (its other arguments stay pytest fixtures) that checks each drawn example.
    """
    __tracebackhide__ = True  # pytest shows the user's call, not this module's frames
    options = options_of(max_examples, second_order, seed, avoid_kinks, kinks, eps, atol, rtol)
    if fn is None:
        return lambda builder: _decorate(builder, options)
    if not callable(fn):
        raise TypeError(f"gradcheck_property: fn must be callable, got {type(fn).__name__}")
    if not specs:
        return _decorate(fn, options)
    require_hypothesis("gradcheck_property")
    strategies = [as_strategy(spec, i) for i, spec in enumerate(specs)]

    def build(draw):
        return fn, [arg for s in strategies for arg in expand(draw(s), draw)], None
    search(build, options, f"gradcheck_property: {_name(fn)}")


def options_of(max_examples, second_order, seed, avoid_kinks, kinks, eps, atol, rtol,
               where="gradcheck_property"):
    """The checked settings of one search, as a dict (errors name ``where``)."""
    max_examples = checks.integer(max_examples, "max_examples", where, minimum=1)
    seed = checks.seed(seed, where)
    try:
        kinks = sorted(float(k) for k in kinks)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: kinks must be a sequence of numbers, got {kinks!r}") from None
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        checks.in_range(value, name, where, low=0)
    return {"max_examples": max_examples, "second_order": bool(second_order), "seed": seed,
            "avoid_kinks": bool(avoid_kinks), "kinks": kinks, "eps": eps, "atol": atol,
            "rtol": rtol}


def _decorate(builder: Callable[..., Any], options: dict[str, Any]) -> Callable[..., None]:
    """``builder(draw, *args)`` → a test ``(*args)`` that gradchecks what it builds."""
    require_hypothesis("gradcheck_property")
    params = list(inspect.signature(builder).parameters.values())
    if not params:
        raise TypeError(f"gradcheck_property: the decorated {_name(builder)} must take "
                        "`draw` as its first argument and return (fn, inputs)")

    @functools.wraps(builder)
    def test(*args, **kwargs):
        __tracebackhide__ = True
        def build(draw):
            built = builder(draw, *args, **kwargs)
            if not (isinstance(built, tuple) and len(built) == 2 and callable(built[0])):
                raise TypeError(f"gradcheck_property: {_name(builder)} must return "
                                f"(fn, inputs), got {built!r}")
            fn, inputs = built
            inputs = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
            return fn, [arg for value in inputs for arg in expand(value, draw)], None
        search(build, options, f"gradcheck_property: {_name(builder)}")

    del test.__wrapped__  # pytest must see the test's own signature, without `draw`
    # inspect.signature reads __signature__ from any callable; typeshed lists it on none.
    test.__signature__ = inspect.Signature(params[1:])  # type: ignore[attr-defined]  # see above
    return test


def as_strategy(spec, position):
    if isinstance(spec, st.SearchStrategy):
        return spec
    if checks.is_int(spec) and int(spec) >= 0:
        return st.just(Shape((int(spec),)))
    if isinstance(spec, (tuple, list)) and all(
            checks.is_int(s) and int(s) >= 0
            for s in spec):
        return st.just(Shape(int(s) for s in spec))
    if isinstance(spec, Tensor):
        # A fresh copy per example (avoid_kinks moves values in place), float64 if float.
        data = spec.data.astype(np.float64) if spec.dtype.kind == "f" else spec.data
        return st.builds(lambda: Tensor(data.copy(), requires_grad=spec.requires_grad))
    raise TypeError(f"gradcheck_property: spec {position} must be a shape tuple, a Tensor or "
                    f"a Hypothesis strategy, got {spec!r}")


def expand(value, draw):
    """The arguments one drawn value stands for (see ``gradcheck_property``'s specs)."""
    if isinstance(value, Shape):
        return [draw(tensors(value))]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return [Tensor(value.astype(np.float64), requires_grad=True)]
    if isinstance(value, (tuple, list)) and value and any(
            isinstance(v, (Shape, Tensor)) for v in value):
        return [arg for v in value for arg in expand(v, draw)]
    return [value]


def search(build, options, title):
    """Run the Hypothesis search; turn the shrunk failure into the user's AssertionError.

    ``build(draw)`` returns ``(fn, args, names)``; ``names`` (or ``None``) says
    what each argument is in the report ("parameter 'fc1.bias'").
    """
    __tracebackhide__ = True
    seed = options["seed"] if options["seed"] is not None else random.randrange(2 ** 32)
    max_examples = max(options["max_examples"], _MIN_EXAMPLES[0])
    health = [hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large,
              hypothesis.HealthCheck.large_base_example]
    health += [h for h in hypothesis.HealthCheck if h.name == "nested_given"]
    settings = hypothesis.settings(
        max_examples=max_examples, deadline=None, database=None, report_multiple_bugs=False,
        phases=(hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink),
        suppress_health_check=health)

    @settings
    @hypothesis.seed(seed)
    @hypothesis.given(st.data())
    def run(data):
        drawn = []

        def draw(strategy, label=None):  # remembered for the report (an axis, a flag...)
            drawn.append(data.draw(strategy, label=label))
            return drawn[-1]
        fn, args, names = build(draw)
        _check(fn, args, names, drawn, options, title)

    try:
        run()
    except _Failure as failure:
        raise AssertionError(
            f"{failure}\nTo reproduce: pass seed={seed} (with max_examples={max_examples})"
        ) from failure.__cause__


def _check(fn, args, names, drawn, options, title):
    eps = options["eps"]
    if options["avoid_kinks"]:
        keep_away([a for a in args if isinstance(a, Tensor) and a.dtype.kind == "f"],
                   options["kinks"], 10 * eps)
    tol = {"eps": eps, "atol": options["atol"], "rtol": options["rtol"]}
    order = "first"
    try:
        gradcheck(fn, tuple(args), **tol)
        order = "second"
        if options["second_order"]:
            gradgradcheck(fn, tuple(args), seed=0, **tol)
    except GradcheckError as exc:
        raise _Failure(f"{_header(title, args, names, drawn, order)}\n"
                       f"{describe(exc, args, names)}") from None
    except hypothesis.errors.HypothesisException:
        raise
    except Exception as exc:
        raise _Failure(f"{_header(title, args, names, drawn, order)}\n"
                       f"{type(exc).__name__}: {exc}") from exc


def describe(exc, args, names):
    """gradcheck's report, with the failing input called by its name when there is one."""
    i = exc.input_index
    if names is None or i is None or exc.detail is None:
        return str(exc)
    what = (f"{names[i]} (shape {args[i].shape})" if i < len(names)
            else f"grad_output {i - len(names)} of gradgradcheck")
    return f"gradcheck failed for {what} at {exc.detail}"


def _header(title, args, names, drawn, order):
    first = f"{title} fails the {order}-order gradient check; the smallest failing example"
    lines = [f"{first} Hypothesis found:"]
    for i, a in enumerate(args):
        what = names[i] if names else f"argument {i}"
        if isinstance(a, Tensor) and what.startswith("parameter "):  # fixed, not drawn
            lines.append(f"  {what}: {a.dtype} tensor of shape {a.shape}")
        elif isinstance(a, Tensor):
            values = (repr(a.data.tolist()) if a.data.size <= 64 else
                      np.array2string(a.data, separator=", ", threshold=64))
            grad = "" if a.requires_grad else " (no grad)"
            lines.append(f"  {what}: {a.dtype} tensor of shape {a.shape}{grad} = {values}")
        else:
            lines.append(f"  {what}: {a!r}")
    for i, value in enumerate(drawn, 1):  # what a test's own draws chose (an axis), not shown
        if not (any(value is a for a in args) or _holds_tensors(value)):
            lines.append(f"  draw {i} (not an argument): {value!r}")
    if order == "second":
        lines.append("  (gradgradcheck's inputs are these arguments followed by one grad_output "
                     "v per output)")
    return "\n".join(lines)


def _holds_tensors(value):
    if isinstance(value, (Tensor, Shape)):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, (Tensor, Shape)) for v in value)


def keep_away(tensors_, kinks, gap):
    """Move values up until none is within ``gap`` of a kink or of another value.

    Central differences of step eps then never straddle a kink or a tie (where
    max and sort change their pick), whose one-sided derivatives disagree.
    """
    if not tensors_:
        return
    flat = np.concatenate([t.data.reshape(-1).astype(np.float64) for t in tensors_])
    order = np.argsort(flat, kind="stable")
    moved, previous, anchor, steps = flat[order], -np.inf, 0.0, 0
    for i, v in enumerate(moved):  # a few hundred values at most: a loop is clearest
        if v < previous + gap:  # a tie (or nearly): continue the run, anchor + steps * gap
            steps += 1          # keeps the printed values short (1.00002, not 1.0000200000001)
            v = anchor + steps * gap
        else:
            anchor, steps = v, 0
        for k in kinks:  # ascending, so stepping over one kink is checked against the next
            if abs(v - k) < gap:
                v = anchor = k + gap
                steps = 0
        moved[i] = previous = v
    flat[order] = moved
    start = 0
    for t in tensors_:
        t.data = flat[start:start + t.data.size].reshape(t.shape).astype(t.dtype)
        start += t.data.size


def _name(fn):
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type):  # MyFunction.apply: name the class, not Function.apply
        return f"{owner.__name__}.{fn.__name__}"
    return getattr(fn, "__qualname__", None) or repr(fn)
