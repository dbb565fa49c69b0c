"""A plain (non-editable) `pip install .` works from any directory, the
repository's root included, where the checkout's tinygrad_book/ comes first on
sys.path and has no nn/ of its own."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ("import tinygrad_book as tb, tinygrad_book.nn as nn, tinygrad_book.optim as optim; "
         "from tinygrad_book.nn import functional as F; "
         "m = nn.Linear(2, 1); optim.SGD(m.parameters(), lr=0.1); "
         "print(tb.__file__); print(nn.__file__)")


@pytest.mark.slow
def test_a_non_editable_install_imports_nn_from_any_directory(tmp_path):
    source = tmp_path / "src"
    for name in ("tinygrad_book", "nn", "optim"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # numpy, graphviz and setuptools from this interpreter's site directories, even when
    # its venv lies inside the checkout (as CI's .venv does). A directory named in a .pth
    # file has its own .pth files ignored, so an editable install there maps nothing.
    outer = [p for p in sys.path if "site-packages" in p]
    (site / "_outer.pth").write_text("\n".join(outer) + "\n")
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                          "--no-deps", "--no-build-isolation", "--no-index", str(source)],
                         cwd=tmp_path, capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd, home in ((elsewhere, site), (ROOT, ROOT)):
        run = subprocess.run([str(python), "-c", CHECK], cwd=cwd, env=env,
                             capture_output=True, text=True)
        assert run.returncode == 0, f"from {cwd}:\n{run.stderr}"
        package, nn_init = (Path(line) for line in run.stdout.split())
        assert package.is_relative_to(home) and nn_init.is_relative_to(home), run.stdout
