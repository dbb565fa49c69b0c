"""The one random number generator behind every random op.

``rand``/``randn``, dropout masks, ``nn.init`` and ``DataLoader`` shuffling all
draw from :func:`default_generator`, so a single :func:`manual_seed` call makes
a whole training run reproducible, as ``torch.manual_seed`` does.
"""
from __future__ import annotations

import numpy as np

from . import checks

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator; returns it (as PyTorch returns its Generator)."""
    global _generator
    _generator = np.random.default_rng(checks.seed(seed, "manual_seed()", allow_none=False))
    return _generator


def default_generator():
    """The global ``np.random.Generator`` every random op draws from."""
    return _generator
