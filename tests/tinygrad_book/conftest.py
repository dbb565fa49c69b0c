"""Shared fixtures for the core tests."""
import pytest

import tinygrad_book as tb


@pytest.fixture(autouse=True)
def _grad_mode_is_restored():
    """Every test starts with recording on, and a test that leaves it off fails loudly."""
    assert tb.is_grad_enabled(), "an earlier test left grad mode switched off"
    yield
    if not tb.is_grad_enabled():
        tb.set_grad_enabled(True)
        pytest.fail("the test left grad mode switched off")
