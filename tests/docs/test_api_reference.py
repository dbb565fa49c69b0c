"""The API reference documents every public name of the library.

Reads the inventory (``objects.inv``) that ``sphinx-build -W -b html docs
docs/_build/html`` writes and checks it against the same list of public names
the reference is generated from (``docs/_ext/apiref.py``). Without a build the
test is skipped, unless ``TINYGRAD_BOOK_REQUIRE_DOCS=1`` (set by ``.ci/run``,
which builds the docs first) makes a missing build a failure.
"""
import importlib.util
import os
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "docs" / "_build" / "html" / "objects.inv"


def _apiref():
    pytest.importorskip("sphinx",
                        reason="the docs extra is not installed (pip install -e '.[docs]')")
    spec = importlib.util.spec_from_file_location("apiref", ROOT / "docs" / "_ext" / "apiref.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _inventory_names(path):
    """The Python object names in a Sphinx v2 inventory: 4 header lines, then zlib text."""
    raw = path.read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = raw.index(b"\n", header_end) + 1
    assert raw.startswith(b"# Sphinx inventory version 2"), raw[:40]
    body = zlib.decompress(raw[header_end:]).decode()
    return {line.split(" ", 2)[0] for line in body.splitlines()
            if line.split(" ", 2)[1:2] and line.split(" ", 2)[1].startswith("py:")}


@pytest.fixture(scope="module")
def inventory():
    if not INVENTORY.is_file():
        if os.environ.get("TINYGRAD_BOOK_REQUIRE_DOCS") == "1":
            pytest.fail(f"{INVENTORY} is missing: the docs build did not run")
        pytest.skip("docs not built (run: sphinx-build -W -b html docs docs/_build/html)")
    return _inventory_names(INVENTORY)


def test_every_public_name_is_in_the_api_reference(inventory):
    apiref = _apiref()
    missing = [f"{module}.{name}" for module in apiref.NAMESPACES
               for name in apiref.public_names(module)
               if f"{module}.{name}" not in inventory]
    assert not missing, f"{len(missing)} public names missing from the API reference: {missing}"


def test_the_reference_covers_the_main_namespaces():
    # The list the reference is generated from is itself complete: the four
    # namespaces the issue names are there, and each has names.
    apiref = _apiref()
    for module in ("tinygrad_book", "tinygrad_book.nn", "tinygrad_book.nn.functional",
                   "tinygrad_book.optim"):
        assert module in apiref.NAMESPACES
        assert len(apiref.public_names(module)) >= 10, module
