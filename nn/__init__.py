"""tinygrad_book.nn: modules, layers, graph ops (``functional``), ``init`` and ``utils``.

    from tinygrad_book import nn
    import tinygrad_book.nn.functional as F

    model = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(30 * 12 * 12, 10))
    loss = nn.CrossEntropyLoss()(model(x), t)
"""
from . import functional, init, utils
from .modules import *  # noqa: F401,F403  (the layer classes listed in modules.__all__)
from .modules import __all__ as _layers

__all__ = ["functional", "init", "utils"] + _layers
