"""Hypothesis is optional: without it the property tools say how to install it, the rest works.

The absence is simulated in a child process whose import system refuses `hypothesis`.
"""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import sys

    class NoHypothesis:
        """Refuse to import hypothesis, as if it were not installed."""
        def find_spec(self, name, path=None, target=None):
            if name == "hypothesis" or name.startswith("hypothesis."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoHypothesis())
    import numpy as np
    import tinygrad_book as tb
    from tinygrad_book import nn
    from tinygrad_book.testing import (assert_gradcheck, assert_module_gradcheck,
                                       gradcheck_property, strategies)
    from tinygrad_book.testing.strategies import tensors
    # The pytest plugin loads in every pytest run of whoever installed the package.
    import tinygrad_book.testing.pytest_plugin
    assert "hypothesis" not in sys.modules

    assert_gradcheck(lambda x: (x * x).sum(), (2, 3))
    assert_module_gradcheck(nn.Linear(3, 2), (4, 3))
    print("plain checks work")
    for call in (lambda: gradcheck_property(lambda x: x * 2, (2,)),
                 lambda: gradcheck_property(max_examples=5)(lambda draw: None),
                 lambda: strategies.shapes(), lambda: tensors((2,)),
                 lambda: strategies.broadcastable_shapes(2), lambda: strategies.axes(2)):
        try:
            call()
        except ModuleNotFoundError as exc:
            print(exc)
        else:
            print("no error")
''')


def test_without_hypothesis_the_property_tools_say_how_to_install_it():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "plain checks work"
    hint = ('needs Hypothesis, which is not installed; install it with: pip install '
            '"tinygrad-book[testing]" (or: pip install hypothesis)')
    assert lines[1:] == [
        f"gradcheck_property {hint}", f"gradcheck_property {hint}",
        f"tinygrad_book.testing.strategies.shapes {hint}",
        f"tinygrad_book.testing.strategies.tensors {hint}",
        f"tinygrad_book.testing.strategies.broadcastable_shapes {hint}",
        f"tinygrad_book.testing.strategies.axes {hint}"], done.stdout
