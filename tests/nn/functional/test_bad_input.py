"""Bad arguments into the functional ops: bad shapes, hyperparameters and targets, NaN
arguments and empty batches get an error naming the argument, what it got and what it
expected."""

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn

pytestmark = pytest.mark.reliability


NAN = float("nan")


def _x(*shape, dtype=np.float32):
    return tb.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


# -- functional ops: bad shapes, hyperparameters and targets ---------------------------

FUNCTIONAL_CASES = [
    ("conv2d bias shape", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), _x(3)), ValueError,
     r"conv2d\(\): bias must have shape \(4,\) \(one per output channel\), got \(3,\)"),
    ("conv2d weight rank", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3)), ValueError,
     r"conv2d\(\): expected a 4-D 'weight', got shape \(4, 3, 3\) \(3-D\)"),
    ("conv2d stride 0", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), stride=0), ValueError,
     r"conv2d\(\): stride must be positive, got 0"),
    ("conv2d negative padding", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), padding=-1),
     ValueError, r"conv2d\(\): padding must be non-negative, got -1"),
    ("conv2d dilation 0", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), dilation=(1, 0)),
     ValueError, r"conv2d\(\): dilation must be positive, got \(1, 0\)"),
    ("conv2d groups 0", lambda: F.conv2d(_x(1, 4, 5, 5), _x(4, 2, 3, 3), groups=0), ValueError,
     r"conv2d\(\): groups must be positive, got 0"),
    ("conv2d float stride", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), stride=1.5),
     TypeError, r"conv2d\(\): stride must be an int or a pair of ints, got 1.5"),
    ("conv_transpose2d output_padding", lambda: F.conv_transpose2d(
        _x(1, 3, 5, 5), _x(3, 4, 3, 3), stride=2, output_padding=2), ValueError,
     r"conv_transpose2d\(\): output_padding \(2, 2\) must be smaller than either stride "
     r"\(2, 2\) or dilation \(1, 1\)"),
    ("max_pool2d kernel 0", lambda: F.max_pool2d(_x(1, 1, 4, 4), 0), ValueError,
     r"max_pool2d\(\): kernel_size must be positive, got 0"),
    ("max_pool2d stride 0", lambda: F.max_pool2d(_x(1, 1, 4, 4), 2, stride=0), ValueError,
     r"max_pool2d\(\): stride must be positive, got 0"),
    ("max_pool2d padding too large", lambda: F.max_pool2d(_x(1, 1, 4, 4), 2, padding=2),
     ValueError, r"max_pool2d\(\): padding should be at most half of the effective kernel size, "
                 r"but got padding=\(2, 2\), kernel_size=\(2, 2\)"),
    ("avg_pool2d divisor 0", lambda: F.avg_pool2d(_x(1, 1, 4, 4), 2, divisor_override=0),
     ValueError, r"avg_pool2d\(\): divisor_override must be positive, got 0"),
    ("adaptive output 0", lambda: F.adaptive_avg_pool2d(_x(1, 1, 4, 4), 0), ValueError,
     r"adaptive_avg_pool2d\(\): output_size must be positive, got 0"),
    ("linear weight rank", lambda: F.linear(_x(2, 3), _x(3)), ValueError,
     r"linear\(\): expected a 2-D \(out_features, in_features\) 'weight', got shape \(3,\)"),
    ("linear bias shape", lambda: F.linear(_x(2, 3), _x(2, 3), _x(3)), ValueError,
     r"linear\(\): bias must have shape \(2,\), got \(3,\)"),
    ("batch_norm weight shape", lambda: F.batch_norm(_x(4, 3), None, None, _x(2), training=True),
     ValueError, r"batch_norm\(\): weight must have shape \(3,\) for input of shape \(4, 3\), "
                 r"got \(2,\)"),
    ("batch_norm eval without stats", lambda: F.batch_norm(_x(4, 3), None, None), ValueError,
     r"batch_norm\(\): running_mean and running_var are required when training=False"),
    ("batch_norm momentum > 1", lambda: F.batch_norm(
        _x(4, 3), np.zeros(3, np.float32), np.ones(3, np.float32), training=True, momentum=2),
     ValueError, r"batch_norm\(\): momentum must be between 0.0 and 1.0, got 2"),
    ("im2col kernel larger", lambda: F.im2col(_x(1, 1, 3, 3), 4), ValueError,
     r"im2col\(\): the padded input size per channel \(3 x 3\) is smaller than the kernel "
     r"size \(4 x 4"),
    ("col2im cols shape", lambda: F.col2im(_x(5, 9), (1, 1, 4, 4), 3), ValueError,
     r"col2im\(\): cols has shape \(5, 9\), but input_shape \(1, 1, 4, 4\) with kernel "
     r"\(3, 3\).* needs \(N\*OH\*OW, C\*KH\*KW\) = \(4, 9\)"),
    ("fold channels", lambda: F.fold(_x(1, 10, 4), 4, 3), ValueError,
     r"fold\(\): input's dimension 1 \(10\) must be divisible by the kernel size product 3\*3"),
    ("pad odd length", lambda: F.pad(_x(3), (1,)), ValueError,
     r"pad\(\): pad must be an even number of ints, at most 2 per dimension \(input shape "
     r"\(3,\)\), got \(1,\)"),
    ("local_response_norm size 0", lambda: F.local_response_norm(_x(2, 3, 4), 0), ValueError,
     r"local_response_norm\(\): size must be positive, got 0"),
    ("dropout p > 1", lambda: F.dropout(_x(3), 1.5), ValueError,
     r"dropout probability has to be between 0 and 1, but got 1.5"),
    ("gelu approximate", lambda: F.gelu(_x(3), approximate="fast"), ValueError,
     r"gelu\(\): approximate must be 'none' or 'tanh', got 'fast'"),
    ("leaky_relu slope", lambda: F.leaky_relu(_x(3), "0.1"), TypeError,
     r"leaky_relu\(\): negative_slope must be a number, got str '0.1'"),
    ("log_softmax dim", lambda: F.log_softmax(_x(2, 3), dim=-3), ValueError,
     r"log_softmax\(\): dim must be an int in \[-2, 1\] for input of shape \(2, 3\), got -3"),
]


LOSS_CASES = [
    ("target above range", lambda: F.cross_entropy(_x(4, 3), tb.tensor([0, 1, 2, 3])),
     ValueError, r"cross_entropy\(\): target 3 is out of bounds: classes are 0\.\.2 \(input "
                 r"shape \(4, 3\)\)"),
    ("negative target", lambda: F.cross_entropy(_x(4, 3), tb.tensor([0, -1, 2, 1])),
     ValueError, r"cross_entropy\(\): target -1 is out of bounds: classes are 0\.\.2"),
    ("target length", lambda: F.cross_entropy(_x(4, 3), tb.tensor([0, 1, 2])), ValueError,
     r"cross_entropy\(\): class-index target must have shape \(4,\) for input of shape "
     r"\(4, 3\), got \(3,\)"),
    ("target (N, 1)", lambda: F.cross_entropy(_x(4, 3), tb.tensor([[0], [1], [2], [1]])),
     ValueError, r"class-index target must have shape \(4,\) for input of shape \(4, 3\), got "
                 r"\(4, 1\)"),
    ("float target of class shape", lambda: F.cross_entropy(_x(4, 3), tb.tensor([0., 1., 2., 1.])),
     ValueError, r"cross_entropy\(\): a probability target must have the input's shape "
                 r"\(4, 3\), got \(4,\)"),
    ("bool target", lambda: F.cross_entropy(_x(2, 3), tb.tensor([True, False])), TypeError,
     r"cross_entropy\(\): target must hold integer class indices or float probabilities, got "
     r"dtype bool"),
    ("string target", lambda: F.cross_entropy(_x(2, 3), np.array(["a", "b"])), TypeError,
     r"cross_entropy\(\): argument 'target': tensor\(data\): unsupported dtype <U1"),
    ("unbatched target", lambda: F.cross_entropy(_x(3), tb.tensor([0, 1])), ValueError,
     r"cross_entropy\(\): for unbatched input of shape \(3,\) the target must have shape "
     r"\(\) \(one class index\), got \(2,\)"),
    ("integer logits", lambda: F.cross_entropy(tb.tensor([[1, 2]]), tb.tensor([0])), TypeError,
     r"cross_entropy\(\): argument 'input' must be a floating point tensor, got dtype int64"),
    ("class weight shape", lambda: F.cross_entropy(_x(2, 3), tb.tensor([0, 1]), weight=_x(2)),
     ValueError, r"cross_entropy\(\): weight must have shape \(3,\) \(one per class\), got "
                 r"\(2,\)"),
    ("label smoothing NaN", lambda: F.cross_entropy(_x(2, 3), tb.tensor([0, 1]),
                                                    label_smoothing=NAN),
     ValueError, r"cross_entropy\(\): label_smoothing must be between 0.0 and 1.0, got nan"),
    ("nll float target", lambda: F.nll_loss(_x(2, 3), tb.tensor([0.0, 1.0])), TypeError,
     r"nll_loss\(\): target must hold integer class indices, got dtype float32"),
    ("nll target out of range", lambda: F.nll_loss(_x(2, 3), tb.tensor([0, 7])), ValueError,
     r"nll_loss\(\): target 7 is out of bounds: classes are 0\.\.2"),
    ("mse shapes", lambda: F.mse_loss(_x(3), _x(4)), ValueError,
     r"mse_loss\(\): input shape \(3,\) and target shape \(4,\) must match"),
    ("bce probabilities above 1", lambda: F.binary_cross_entropy(tb.tensor([0.5, 1.5]),
                                                                 tb.tensor([1.0, 0.0])),
     RuntimeError, r"binary_cross_entropy\(\): all elements of input should be between 0 and 1 "
                   r"\(probabilities\), got values in \[0.5, 1.5\]"),
    ("bce NaN probability", lambda: F.binary_cross_entropy(tb.tensor([0.5, NAN]),
                                                           tb.tensor([1.0, 0.0])),
     RuntimeError, r"all elements of input should be between 0 and 1"),
    ("bce shapes", lambda: F.binary_cross_entropy(_x(3).sigmoid(), _x(2)), ValueError,
     r"binary_cross_entropy\(\): input shape \(3,\) and target shape \(2,\) must match"),
    ("bce with logits shapes", lambda: F.binary_cross_entropy_with_logits(_x(3), _x(2)),
     ValueError, r"binary_cross_entropy_with_logits\(\): input shape \(3,\) and target shape "
                 r"\(2,\) must match"),
    ("reduction name", lambda: F.mse_loss(_x(3), _x(3), reduction="avg"), ValueError,
     r"mse_loss\(\): reduction must be 'mean', 'sum' or 'none', got 'avg'"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in FUNCTIONAL_CASES + LOSS_CASES],
                         ids=[c[0] for c in FUNCTIONAL_CASES + LOSS_CASES])
def test_functional_ops_refuse_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- NaN and Inf -------------------------------------------------------------------------
# Arguments (hyperparameters, probabilities, scales) are refused; data is not — NaN in a
# tensor propagates, as in PyTorch, so that it is visible, never replaced by a number.

NAN_ARGUMENT_CASES = [
    ("leaky_relu slope", lambda p: F.leaky_relu(_x(3), NAN),
     r"leaky_relu\(\): negative_slope must be a finite number, got nan"),
    ("batch_norm eps", lambda p: F.batch_norm(_x(4, 3), None, None, training=True, eps=NAN),
     r"batch_norm\(\): eps must be a finite number, got nan"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in NAN_ARGUMENT_CASES],
                         ids=[c[0] for c in NAN_ARGUMENT_CASES])
def test_nan_and_inf_arguments_are_refused(call, message, refuses_argument):
    refuses_argument(call, message)


# -- empty batches ---------------------------------------------------------------------
# An empty batch is an error exactly where the result would otherwise be undefined (a mean
# over zero items, batch statistics); elsewhere it gives an empty result, as in PyTorch.

@pytest.mark.parametrize("loss", [
    lambda x, t: F.cross_entropy(x, t), lambda x, t: F.nll_loss(x, t),
    lambda x, t: nn.CrossEntropyLoss()(x, t), lambda x, t: F.mse_loss(x, x.detach()),
    lambda x, t: F.binary_cross_entropy_with_logits(x, x.detach()),
    lambda x, t: F.binary_cross_entropy(x.sigmoid(), x.detach().sigmoid()),
], ids=["cross_entropy", "nll_loss", "CrossEntropyLoss", "mse_loss", "bce_with_logits", "bce"])
def test_mean_loss_of_an_empty_batch_is_an_error_not_nan(loss):
    x = tb.zeros(0, 3, requires_grad=True)
    t = tb.tensor(np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match=r"\(\): input of shape \(0, 3\) is empty, and its mean "
                                         r"loss is undefined \(0/0 would be nan\)"):
        loss(x, t)


def test_summed_loss_of_an_empty_batch_is_zero():
    x = tb.zeros(0, 3, requires_grad=True)
    loss = F.cross_entropy(x, tb.tensor(np.zeros(0, dtype=np.int64)), reduction="sum")
    loss.backward()
    assert loss.item() == 0.0 and x.grad.shape == (0, 3)
