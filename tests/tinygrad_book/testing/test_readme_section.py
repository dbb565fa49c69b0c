"""The README's "Testing your own op" runs as shown, and prints the reports it pastes.

Its code blocks are executed here (the Cube checks with fewer examples, to stay quick);
the doubled-bias report must match the README word for word, and the Mul report must
show the same smallest example (Hypothesis's exact search may vary with the code).
"""
import re
import textwrap
from pathlib import Path

import pytest

from tinygrad_book.testing.pytest_plugin import GradcheckFixture

README = Path(__file__).resolve().parents[3] / "README.md"


def _section():
    text = README.read_text(encoding="utf-8")
    start = text.index("## Testing your own op\n")
    end = text.index("\n## ", start + 1)
    section = text[start:end]
    code = [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", section, re.DOTALL)]
    shown = re.findall(r"```text\nAssertionError: (.*?)\n```", section, re.DOTALL)
    return code, shown


def _shapes_of(report):
    return sorted(re.findall(r"tensor of shape (\([\d, ]*\))", report))


def _raised(code, namespace):
    with pytest.raises(AssertionError) as info:
        exec(code, namespace)  # noqa: S102 - the README's own example
    return str(info.value)


def test_the_readme_examples_run_and_print_what_the_readme_shows():
    (cube, decorated, mul_bug, bias_bug, fixture), (mul_report, bias_report) = _section()
    ns = {}
    exec(cube.replace("shapes(), second_order=True)",  # noqa: S102
                      "shapes(max_side=3), second_order=True, max_examples=10)"), ns)
    ns["my_sum"] = lambda t, axis: t.sum(axis=axis)
    exec(decorated.replace("max_examples=50", "max_examples=5"), ns)  # noqa: S102
    ns["test_my_sum"]()
    exec(fixture.replace("shapes())", "shapes(max_side=3), max_examples=5)"), ns)  # noqa: S102
    ns["test_cube"](GradcheckFixture())

    assert _raised(bias_bug, ns) == bias_report

    got = _raised(mul_bug.replace("broadcastable_shapes(2))", "broadcastable_shapes(2), seed=0)"),
                  ns)
    assert _shapes_of(got) == _shapes_of(mul_report) == ["()", "(2,)"], got
    assert got.splitlines()[0] == mul_report.splitlines()[0]
    assert re.search(r"\ngradcheck failed for input [01] \(shape \((2,)?\)\) at element", got)
