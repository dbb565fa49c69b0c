"""PEP 561: an installed (non-editable) copy ships ``py.typed``, so type checkers read our
annotations instead of treating tinygrad_book as untyped."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_installed_copy_has_py_typed_marker(tmp_path):
    # --no-build-isolation: setuptools from this environment, no network; --no-deps: only us.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-compile", "--target", str(tmp_path / "site"),
                    str(ROOT)], check=True, capture_output=True, cwd=tmp_path)
    package = tmp_path / "site" / "tinygrad_book"
    assert (package / "py.typed").is_file()
    # The mapped sub-packages are inside it, so the one marker covers them (PEP 561).
    assert (package / "nn" / "__init__.py").is_file()
    assert (package / "optim" / "__init__.py").is_file()
