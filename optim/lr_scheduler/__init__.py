"""Learning-rate schedules, as PyTorch's ``torch.optim.lr_scheduler``.

A scheduler rewrites ``group["lr"]`` of its optimizer's parameter groups each
time its ``step()`` is called (usually once per epoch, after the optimizer's
own ``step()``)::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)
        sched.step()

``last_epoch=-1`` (the default) starts a fresh schedule: the constructor stores
each group's current lr as ``group["initial_lr"]`` and takes step 0. To resume,
restore the optimizer and call ``load_state_dict`` on the scheduler. Most
schedules are written, as in PyTorch, as a factor applied to the current lr,
so they compose with other changes to it. PyTorch's deprecated
``step(epoch)`` form is not offered: ``step()`` always advances one epoch.
"""
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler
from .schedules import (
                        CosineAnnealingLR,
                        ExponentialLR,
                        LambdaLR,
                        LinearLR,
                        MultiStepLR,
                        StepLR,
)

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau"]
