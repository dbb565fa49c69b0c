"""The pytest plugin installed with the package: the `gradcheck` fixture and its option.

Run through pytester (enabled in tests/conftest.py): each test writes a small test file
and runs pytest on it in process, with the plugin loaded from its `pytest11` entry point.
"""
import sys
from importlib import metadata

import pytest

from tinygrad_book.testing import properties

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the CI Python is 3.11+
    tomllib = None

CUBE = """
import tinygrad_book as tb
from tinygrad_book import nn
from tinygrad_book.testing.strategies import shapes

class Cube(tb.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * {factor} * x ** 2
"""


def test_the_plugin_is_registered_under_the_name_that_p_no_switches_off():
    (entry,) = [e for e in metadata.entry_points(group="pytest11") if e.name == "tinygrad_book"]
    assert entry.value == "tinygrad_book.testing.pytest_plugin"
    if tomllib is not None:
        from pathlib import Path
        project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
        assert project["project"]["entry-points"]["pytest11"] == {
            "tinygrad_book": "tinygrad_book.testing.pytest_plugin"}
        extras = project["project"]["optional-dependencies"]
        assert any(r.startswith("hypothesis") for r in extras["testing"])
        assert any(r.startswith("hypothesis") for r in extras["test"])


def test_the_fixture_runs_all_three_checks(pytester):
    pytester.makepyfile(CUBE.format(factor=3) + """
def test_cube(gradcheck):
    gradcheck(lambda x: Cube.apply(x), (2, 3), second_order=True)
    gradcheck.property(lambda x: Cube.apply(x), shapes(max_side=3), max_examples=3)
    gradcheck.module(nn.Linear(3, 2), (4, 3))
""")
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_failing_check_shows_the_gradcheck_report(pytester):
    pytester.makepyfile(CUBE.format(factor=2) + """
def test_cube(gradcheck):
    gradcheck.property(lambda x: Cube.apply(x), shapes(max_side=3), max_examples=10, seed=1)
""")
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        (">*gradcheck.property(lambda x: Cube.apply(x), shapes(max_side=3), max_examples=10, "
         "seed=1)"),
        ("E *AssertionError: gradcheck_property: test_cube.<locals>.<lambda> fails the "
         "first-order gradient check;*"),
        "E *  argument 0: float64 tensor of shape () = 1.0",
        ("E *gradcheck failed for input 0 (shape ()) at element (), output 0 element 0: "
         "analytic 2 vs numeric 3 *"),
        "E *To reproduce: pass seed=1 (with max_examples=10)"])


COUNTING = """
import tinygrad_book as tb
from tinygrad_book.testing import gradcheck_property
from tinygrad_book.testing.strategies import tensors

calls = []

@gradcheck_property(max_examples=2, seed=0)
def check(draw):
    calls.append(1)
    return (lambda x: x * 2), draw(tensors((3,)))

def test_count():
    check()
    print("EXAMPLES", len(calls))
"""


def test_gradcheck_examples_raises_max_examples(pytester):
    pytester.makepyfile(COUNTING)
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*EXAMPLES 2"])
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", "--gradcheck-examples", "7")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["tinygrad_book: gradcheck_property runs at least 7 examples",
                                 "*EXAMPLES 7"])
    assert properties._MIN_EXAMPLES == [1]  # the in-process run put the default back


def test_gradcheck_examples_below_one_is_a_usage_error(pytester):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--gradcheck-examples", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradcheck-examples must be >= 1, got 0*"])


def test_p_no_tinygrad_book_switches_the_plugin_off(pytester):
    pytester.makepyfile("def test_op(gradcheck):\n    pass\n")
    result = pytester.runpytest("-p", "no:tinygrad_book", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'gradcheck' not found*"])
    result = pytester.runpytest("-p", "no:tinygrad_book", "--gradcheck-examples", "5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --gradcheck-examples*"])
