"""Fixtures shared by every test folder."""
import gc

import pytest


@pytest.fixture
def gc_disabled():
    """With the cycle collector off, only reference counting frees: a cycle would leak
    (and survive until a collection) instead of being freed at once."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
