"""The pytest plugin installed with tinygrad_book (entry point ``pytest11``, name
``tinygrad_book``).

    def test_cube(gradcheck):
        gradcheck(lambda x: Cube.apply(x), (2, 3))                 # assert_gradcheck
        gradcheck.property(lambda x: Cube.apply(x), shapes())      # gradcheck_property
        gradcheck.module(MyLayer(3, 2), (4, 3))                   # assert_module_gradcheck

``pytest --gradcheck-examples 1000`` raises every ``gradcheck_property``'s
``max_examples`` to at least 1000 (a deeper nightly run); ``pytest -p
no:tinygrad_book`` switches the plugin off.
"""
import pytest

from .assertions import assert_gradcheck
from .modules import assert_module_gradcheck
from .properties import gradcheck_property, set_min_examples

_previous_minimum = pytest.StashKey[int]()   # the minimum before --gradcheck-examples


def pytest_addoption(parser):
    group = parser.getgroup("tinygrad_book", "gradient checks (tinygrad_book.testing)")
    group.addoption("--gradcheck-examples", type=int, default=None, metavar="N",
                    help="raise max_examples of every gradcheck_property to at least N")


def pytest_configure(config):
    examples = config.getoption("gradcheck_examples")
    if examples is None:
        return
    if examples < 1:
        raise pytest.UsageError(f"--gradcheck-examples must be >= 1, got {examples}")
    config.stash[_previous_minimum] = set_min_examples(examples)


def pytest_unconfigure(config):
    if _previous_minimum in config.stash:  # an in-process run (pytester) restores the default
        set_min_examples(config.stash[_previous_minimum])


def pytest_report_header(config):
    examples = config.getoption("gradcheck_examples")
    if examples is not None:
        return f"tinygrad_book: gradcheck_property runs at least {examples} examples"
    return None


class GradcheckFixture:
    """What the ``gradcheck`` fixture gives: call it for ``assert_gradcheck``;
    ``.property`` is ``gradcheck_property``, ``.module`` is ``assert_module_gradcheck``."""

    def __call__(self, fn, *inputs_or_shapes, **kwargs):
        __tracebackhide__ = True
        return assert_gradcheck(fn, *inputs_or_shapes, **kwargs)

    @staticmethod
    def property(fn, *specs, **kwargs):
        __tracebackhide__ = True
        return gradcheck_property(fn, *specs, **kwargs)

    @staticmethod
    def module(module, *input_shapes_or_tensors, **kwargs):
        __tracebackhide__ = True
        return assert_module_gradcheck(module, *input_shapes_or_tensors, **kwargs)


@pytest.fixture
def gradcheck():
    """Gradient checks in a test: ``gradcheck(fn, (2, 3))``, ``gradcheck.property(fn,
    strategy)``, ``gradcheck.module(layer, (4, 3))`` (see tinygrad_book.testing)."""
    return GradcheckFixture()
