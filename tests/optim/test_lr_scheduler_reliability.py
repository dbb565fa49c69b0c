"""A LambdaLR whose lambda returns nan is refused at step(), naming the epoch (issue 12.14)."""
import math

import pytest

import tinygrad_book as tb
from tinygrad_book import optim

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_lambda_lr_returning_nan_is_refused_at_step_and_changes_nothing(bad):
    p = tb.zeros(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: bad if epoch == 2 else 0.5)
    opt.step()
    sched.step()
    with pytest.raises(ValueError, match=r"LambdaLR: the learning rate for epoch 2 "):
        sched.step()
    assert sched.last_epoch == 1 and opt.param_groups[0]["lr"] == 0.05
    assert sched.get_last_lr() == [0.05]


def test_lambda_lr_returning_nan_at_construction_is_refused():
    opt = optim.SGD([tb.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="epoch 0"):
        optim.lr_scheduler.LambdaLR(opt, lambda epoch: math.nan)
    assert opt.param_groups[0]["lr"] == 0.1
