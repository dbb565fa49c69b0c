"""``assert_module_gradcheck``: gradcheck a whole layer, inputs and every parameter.

    from tinygrad_book.testing import assert_module_gradcheck

    assert_module_gradcheck(MyLayer(4, 3), (2, 4))

What a reader who writes their own layer (the book's chapter 5 exercises) needs
first: a failure names the parameter as ``named_parameters()`` does
(``fc1.weight``) and the element. Works without Hypothesis; given Hypothesis
strategies as inputs, it searches them and shrinks a failure as
``gradcheck_property`` does.
"""
import copy

import numpy as np

from ..gradcheck import GradcheckError, gradcheck, gradgradcheck
from ..random import default_generator
from ..tensor import Tensor
from ._optional import require_hypothesis, st
from .assertions import make_inputs
from .properties import as_strategy, describe, expand, keep_away, options_of, search


def assert_module_gradcheck(module, *input_shapes_or_tensors, second_order=False, seed=0,
                            eps=1e-6, atol=1e-5, rtol=1e-3, low=-1.0, high=1.0,
                            max_examples=20):
    """Fail with a readable report unless ``module``'s gradients match central differences.

    Checks the gradient of ``module(*inputs)`` with respect to every input that
    requires grad and every parameter that does, on a float64 deep copy: the
    module you pass keeps its values, dtype, gradients and mode. Random layers
    (Dropout) draw the same mask on every call, and the global generator is left
    as it was.

    Args:
        module: an ``nn.Module`` (anything callable with ``named_parameters()``).
        input_shapes_or_tensors: shapes like ``(2, 4)`` (random float64 inputs in
            [low, high)) or Tensors/arrays (float ones are copied to float64;
            integer ones, such as class labels, are passed as they are). Given a
            Hypothesis strategy among them (``strategies.shapes(...)``), the
            inputs are searched over ``max_examples`` draws and a failure shrunk.
        second_order: also run ``gradgradcheck``.
        seed: seeds the random inputs (or the search) and gradgradcheck's v.
    Returns:
        the float64 copy of the module (after a search, the last inputs are not kept:
        ``None``) and the inputs it was checked on.
    """
    __tracebackhide__ = True  # pytest shows the user's call, not this module's frames
    if not callable(module) or not hasattr(module, "named_parameters"):
        raise TypeError(f"assert_module_gradcheck: module must be an nn.Module, got "
                        f"{type(module).__name__}")
    if not input_shapes_or_tensors:
        raise ValueError("assert_module_gradcheck: give at least one input shape or tensor")
    checked = copy.deepcopy(module).to(np.float64)
    named = [(name, p) for name, p in checked.named_parameters() if p.requires_grad]
    params, param_names = [p for _, p in named], [f"parameter {n!r}" for n, _ in named]
    generator = default_generator()
    state = generator.bit_generator.state

    def forward_of(n_inputs):
        def forward(*args):
            generator.bit_generator.state = state  # the same dropout mask on every call
            return checked(*args[:n_inputs])
        return forward

    title = f"assert_module_gradcheck: {type(module).__name__}"
    try:
        if st is not None and any(isinstance(s, st.SearchStrategy)
                                  for s in input_shapes_or_tensors):
            options = options_of(max_examples, second_order, seed, True, (0.0,), eps, atol,
                                 rtol, where="assert_module_gradcheck")
            _search_inputs(forward_of, input_shapes_or_tensors, params, param_names, options,
                           title)
            return checked, None
        inputs = make_inputs(*input_shapes_or_tensors, seed=seed, low=low, high=high)
        names = [f"input {i}" for i in range(len(inputs))] + param_names
        _check_once(forward_of(len(inputs)), inputs, params, names, second_order, seed,
                    {"eps": eps, "atol": atol, "rtol": rtol}, title)
    finally:
        generator.bit_generator.state = state
    return checked, inputs


def _check_once(forward, inputs, params, names, second_order, seed, tol, title):
    __tracebackhide__ = True
    everything = tuple(inputs) + tuple(params)
    order = "first"
    try:
        gradcheck(forward, everything, **tol)
        order = "second"
        if second_order:
            gradgradcheck(forward, everything, seed=seed, **tol)
    except GradcheckError as exc:
        shapes = ", ".join(str(getattr(t, "shape", t)) for t in inputs)
        raise AssertionError(f"{title}'s {order}-order gradient is wrong: "
                             f"{describe(exc, everything, names)}\n  inputs: {shapes} "
                             f"(seed {seed}); checked in float64 on a copy") from None


def _search_inputs(forward_of, specs, params, param_names, options, title):
    __tracebackhide__ = True
    require_hypothesis("assert_module_gradcheck with strategies")
    strategies = [as_strategy(spec, i) for i, spec in enumerate(specs)]
    gap = 10 * options["eps"]

    def build(draw):
        inputs = [_float64(a) for s in strategies for a in expand(draw(s), draw)]
        # Kinks are kept away from the inputs only: the parameters are the module's own.
        keep_away([a for a in inputs if isinstance(a, Tensor) and a.dtype.kind == "f"],
                  options["kinks"], gap)
        names = [f"input {i}" for i in range(len(inputs))] + param_names
        return forward_of(len(inputs)), inputs + params, names

    search(build, dict(options, avoid_kinks=False), title)


def _float64(a):
    if isinstance(a, Tensor) and a.dtype.kind == "f" and a.dtype != np.float64:
        return Tensor(a.data.astype(np.float64), requires_grad=a.requires_grad)
    return a
