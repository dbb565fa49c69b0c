"""NaN and infinite hyperparameters are refused by the optimizers and schedulers, naming the
argument, with nothing changed."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim

pytestmark = pytest.mark.reliability


NAN = float("nan")


def _x(*shape, dtype=np.float32):
    return tb.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


# -- NaN and Inf -------------------------------------------------------------------------
# Arguments (hyperparameters, probabilities, scales) are refused; data is not — NaN in a
# tensor propagates, as in PyTorch, so that it is visible, never replaced by a number.

NAN_ARGUMENT_CASES = [
    ("SGD lr", lambda p: optim.SGD(p, lr=NAN), r"Invalid learning rate: lr=nan, expected lr >= 0"),
    ("SGD lr inf", lambda p: optim.SGD(p, lr=math.inf),
     r"Invalid learning rate: lr=inf, expected a finite number"),
    ("Adam eps inf", lambda p: optim.Adam(p, eps=math.inf),
     r"Invalid epsilon value: eps=inf, expected a finite number"),
    ("SGD momentum", lambda p: optim.SGD(p, lr=0.1, momentum=NAN),
     r"Invalid momentum value: momentum=nan"),
    ("Adam betas", lambda p: optim.Adam(p, betas=(NAN, 0.999)),
     r"Invalid beta parameter at index 0: betas\[0\]=nan, expected 0 <= betas\[0\] < 1"),
    ("Adam eps", lambda p: optim.Adam(p, eps=NAN), r"Invalid epsilon value: eps=nan"),
    ("RMSprop alpha", lambda p: optim.RMSprop(p, alpha=NAN), r"Invalid alpha value: alpha=nan"),
    ("StepLR gamma", lambda p: optim.lr_scheduler.StepLR(optim.SGD(p, lr=0.1), 1, gamma=NAN),
     r"Invalid gamma: gamma=nan, expected gamma > 0"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in NAN_ARGUMENT_CASES],
                         ids=[c[0] for c in NAN_ARGUMENT_CASES])
def test_nan_and_inf_arguments_are_refused(call, message, refuses_argument):
    refuses_argument(call, message)
