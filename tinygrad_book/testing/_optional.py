"""Hypothesis is an optional dependency: only the property-based tools need it.

``assert_gradcheck`` and ``assert_module_gradcheck`` work without it; the
strategies and ``gradcheck_property`` call :func:`require_hypothesis` first,
which says how to install it.
"""
try:
    import hypothesis
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # the `testing` extra is not installed
    hypothesis = st = hnp = None  # type: ignore[assignment]  # callers check require_hypothesis

INSTALL_HINT = 'pip install "tinygrad-book[testing]" (or: pip install hypothesis)'


def require_hypothesis(what):
    """Raise ``ModuleNotFoundError`` naming ``what`` and the install command when
    Hypothesis is missing."""
    if hypothesis is None:
        raise ModuleNotFoundError(
            f"{what} needs Hypothesis, which is not installed; install it with: "
            f"{INSTALL_HINT}", name="hypothesis")
