"""tinygrad_book.optim: optimizers and learning-rate schedulers.

    from tinygrad_book import optim
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)

The book's chapter 6 optimizers (``SGD``, ``Momentum``, ``Nesterov``,
``AdaGrad``, ``RMSprop``, ``Adam``) follow its formulas; the names, options
and defaults of the rest are PyTorch's.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import AdaGrad, Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .book import Momentum, Nesterov
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "Adagrad", "AdaGrad", "RMSprop",
           "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "lr_scheduler"]
