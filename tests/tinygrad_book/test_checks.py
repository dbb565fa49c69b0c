"""tinygrad_book.checks, the one home of the argument checks: each returns a plain Python
value or raises naming the op, the argument, what it got and what was expected."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import checks
from tinygrad_book.data import TensorDataset, random_split


@pytest.mark.parametrize("value, kwargs, message", [
    (1.5, dict(op="cross_entropy()", low=0, high=1),
     r"^cross_entropy\(\): label_smoothing must be between 0.0 and 1.0, got 1.5$"),
    (math.nan, dict(op="f()", low=0, high=1), r"must be between 0.0 and 1.0, got nan$"),
    (1.0, dict(op="f()", low=0, high=1, high_open=True), r"^f\(\): label_smoothing must be "
                                                          r"in \[0, 1\), got 1.0$"),
    (-0.1, dict(low=0, label="learning rate"), r"^Invalid learning rate: label_smoothing=-0.1, "
                                               r"expected label_smoothing >= 0$"),
    (math.inf, dict(low=0, finite=True, label="x"), r"expected a finite number$"),
    (0.0, dict(low=0, low_open=True, label="eps"), r"expected label_smoothing > 0$"),
    (2.0, dict(low=0, high=1, high_open=True, label="beta"),
     r"expected 0 <= label_smoothing < 1$"),
])
def test_in_range_says_what_it_got_and_what_was_expected(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        checks.in_range(value, "label_smoothing", **kwargs)


def test_in_range_returns_plain_python_numbers():
    assert type(checks.in_range(np.float64(0.5), "p", low=0, high=1)) is float
    assert type(checks.in_range(np.int64(3), "n", low=1, integral=True)) is int
    with pytest.raises(TypeError, match=r"^n must be an int, got float 2.5$"):
        checks.in_range(2.5, "n", low=1, integral=True)
    with pytest.raises(TypeError, match=r"^f\(\): p must be a number, got str '0.5'$"):
        checks.in_range("0.5", "p", "f()", 0, 1)


@pytest.mark.parametrize("dim, message", [
    (2, r"^softmax\(\): dim must be an int in \[-2, 1\] for input of shape \(2, 3\), got 2$"),
    (1.0, r"got 1.0$"), (True, r"got True$"),
])
def test_dim_names_the_range_and_the_shape(dim, message):
    with pytest.raises(ValueError, match=message):
        checks.dim(dim, (2, 3), "softmax()")
    assert checks.dim(-1, (2, 3), "softmax()") == 1
    assert checks.dim(0, (), "softmax()") == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda: checks.seed(-1, "random_split"), ValueError,
     r"^random_split: seed must be None or an int >= 0, got -1$"),
    (lambda: checks.seed(1.0, "DataLoader"), TypeError,
     r"^DataLoader: seed must be None or an int >= 0, got float 1.0$"),
    (lambda: checks.seed(None, "manual_seed()", allow_none=False), TypeError,
     r"^manual_seed\(\): seed must be an int >= 0, got NoneType None$"),
])
def test_one_seed_check_for_every_seeded_api(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert checks.seed(None) is None and type(checks.seed(np.int64(3))) is int


def test_core_ops_and_data_refuse_bad_arguments_through_checks():
    x = tb.zeros(4, 2)
    with pytest.raises(TypeError, match=r"^chunk: chunks must be an int, got float 2.0$"):
        x.chunk(2.0)
    with pytest.raises(TypeError, match=r"^split: split_size_or_sections must be an int or a "
                                        r"list of ints, got float 2.5$"):
        tb.split(x, 2.5)
    with pytest.raises(ValueError, match=r"^random_split: seed must be None or an int >= 0, "
                                         r"got -1$"):
        random_split(TensorDataset(np.zeros(4)), [2, 2], seed=-1)
