"""F.pad: PyTorch's last-axis-first widths, negative widths that crop, and the four modes,
against PyTorch."""
import numpy as np
import pytest

import tinygrad_book.nn.functional as F
from tinygrad_book import Tensor
from tinygrad_book.testing import assert_gradcheck


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


@pytest.mark.parametrize("pad, mode", [((1, 2), "constant"), ((1, 1, 2, 0), "constant"),
                                       ((-1, 2, 1, -1), "constant"), ((2, 1, 1, 2), "reflect"),
                                       ((2, 3, 1, 0), "replicate"), ((1, 2, 3, 1), "circular")])
def test_pad_matches_torch(pad, mode, torch_parity):
    torch = pytest.importorskip("torch")
    torch_parity(lambda x: F.pad(x, pad, mode=mode),
                 lambda x: torch.nn.functional.pad(x, pad, mode=mode), [rand(2, 3, 4, 5)])


def test_pad_value_and_order_are_pytorchs():
    y = F.pad(Tensor(np.zeros((1, 2))), (1, 0, 0, 1), value=7.0)   # (left, right, top, bottom)
    np.testing.assert_array_equal(y.data, [[7, 0, 0], [7, 7, 7]])


def test_pad_gradgradcheck():
    assert_gradcheck(lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"), (1, 2, 3, 4),
                     second_order=True)


def test_pad_errors():
    x = Tensor(rand(2, 3))
    with pytest.raises(ValueError, match=r"pad must be an even number of ints"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"mode must be one of"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match=r"reflect padding \(3, 0\) must be smaller than the "
                                         r"dimension size 3"):
        F.pad(x, (3, 0), mode="reflect")


def test_negative_widths_crop_then_pad():
    """Issue 14: (-1, 2, -3, 4) on (3, 3) crops a column and three rows, then pads: (4, 4)."""
    x = Tensor(np.arange(9.0).reshape(3, 3))
    y = F.pad(x, (-1, 2, -3, 4))
    assert y.shape == (4, 4) and not y.data.any()
    np.testing.assert_array_equal(F.pad(x, (-1, 1, 1, -1), value=9).data,
                                  [[9, 9, 9], [1, 2, 9], [4, 5, 9]])


NEGATIVE = [(-1, 2, -3, 4), (-1, 1, 1, -1), (1, -2, 0, 0), (0, 0, -2, -1), (-1, -1, 0, 0),
            (2, -1, -1, 1), (-2, 1, 0, -1)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", NEGATIVE, ids=str)
def test_negative_widths_match_torch_in_every_mode(pad, mode, torch_parity):
    torch = pytest.importorskip("torch")
    x = rand(2, 3, 3, 3)
    try:
        torch.nn.functional.pad(torch.tensor(x), pad, mode=mode)
    except RuntimeError:
        with pytest.raises(ValueError, match=r"pad\(\): "):
            F.pad(Tensor(x), pad, mode=mode)
        return
    torch_parity(lambda t: F.pad(t, pad, mode=mode),
                 lambda t: torch.nn.functional.pad(t, pad, mode=mode), [x])


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError, match=r"pad\(\): padding \(0, 0, -3, -1\) leaves a negative "
                                         r"size \(3 \+ -3 \+ -1\) for input of shape \(1, 3, 3\)"):
        F.pad(Tensor(np.zeros((1, 3, 3))), (0, 0, -3, -1))
