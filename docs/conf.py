"""Sphinx configuration: ``sphinx-build -W -b html docs docs/_build/html``.

The notebooks (``../notebooks``, linked here as ``notebooks``) are executed on
every build, so a notebook that no longer runs fails it.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices; see examples/README.md

project = "tinygrad_book"
author = "the tinygrad_book developers"
copyright = "2026, the tinygrad_book developers"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "apiref"]
html_theme = "furo"
html_title = "tinygrad_book"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "_ext"]

# Docstrings are Google style ("Args:", "Returns:"); the signature shows the
# defaults, so type hints are not repeated in the text.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"

nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
# The quick start, error and performance pages include sections of the README, whose
# links point at repository files (examples/README.md) that are not pages here.
suppress_warnings = ["myst.xref_missing"]


# ``from_`` or ``zero_`` written as plain text would be a hyperlink reference.
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s,.;:)\]]|$)")
_LONE_STAR = re.compile(r"(?<![\\\w*])\*(?=[^\s*])(?![^*]*\S\*(?!\w))")


def _plain_text_maths(app, what, name, obj, options, lines):
    """Docstrings write maths and shapes as text: ``|x|`` is an absolute value and
    ``(N, C, *output_size)`` a shape, where reStructuredText would see a substitution
    and an unclosed emphasis, and ``from_`` a hyperlink reference (each a warning, which
    fails the ``-W`` build). Outside ``literals``, every ``|``, every ``*`` that no later
    ``*`` on the line closes, and every ``_`` that ends a word is escaped;
    ``*emphasis*`` stays emphasis."""
    for i, line in enumerate(lines):
        parts = line.split("``")
        parts[::2] = [_escape_markup(p) for p in parts[::2]]
        lines[i] = "``".join(parts)


def _escape_markup(text):
    text = text.replace("|", "\\|")
    text = _LONE_STAR.sub(r"\\*", text)
    return _TRAILING_UNDERSCORE.sub(r"\\_", text)


def setup(app):
    app.connect("autodoc-process-docstring", _plain_text_maths)
