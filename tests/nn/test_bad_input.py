"""NaN and infinite arguments are refused by nn.utils and nn.init, naming the argument, with
nothing changed."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn

pytestmark = pytest.mark.reliability


NAN = float("nan")


def _x(*shape, dtype=np.float32):
    return tb.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


# -- NaN and Inf -------------------------------------------------------------------------
# Arguments (hyperparameters, probabilities, scales) are refused; data is not — NaN in a
# tensor propagates, as in PyTorch, so that it is visible, never replaced by a number.

NAN_ARGUMENT_CASES = [
    ("clip max_norm", lambda p: nn.utils.clip_grad_norm_(p, NAN),
     r"clip_grad_norm_: max_norm must be non-negative, got nan"),
    ("clip value", lambda p: nn.utils.clip_grad_value_(p, NAN),
     r"clip_grad_value_: clip_value must be non-negative, got nan"),
    ("init normal_ std", lambda p: nn.init.normal_(p[0], std=NAN),
     r"normal_: std must be non-negative, got nan"),
    ("init kaiming slope", lambda p: nn.init.kaiming_normal_(p[0], a=NAN),
     r"calculate_gain: negative_slope nan is not a valid number"),
    ("init xavier gain", lambda p: nn.init.xavier_uniform_(p[0], gain=math.inf),
     r"xavier_uniform_: gain must be a finite number, got inf"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in NAN_ARGUMENT_CASES],
                         ids=[c[0] for c in NAN_ARGUMENT_CASES])
def test_nan_and_inf_arguments_are_refused(call, message, refuses_argument):
    refuses_argument(call, message)
