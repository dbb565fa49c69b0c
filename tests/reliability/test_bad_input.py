"""Bad input, everywhere it can enter: every layer and functional op refuses wrong ranks,
shapes, dtypes, sizes and NaN arguments with an error that names the argument, what it got
and what it expected — before anything changes."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim

pytestmark = pytest.mark.reliability

NAN = float("nan")


def _x(*shape, dtype=np.float32):
    return tb.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


# -- layers: wrong rank, shape or dtype; the layer (and its buffers) stay as they were ----

LAYER_CASES = [
    ("conv2d channel mismatch", lambda: nn.Conv2d(3, 4, 3), lambda: _x(2, 2, 8, 8), ValueError,
     r"conv2d\(\): given groups=1, weight of shape \(4, 3, 3, 3\) expects the input to have 3 "
     r"channels, but input of shape \(2, 2, 8, 8\) has 2"),
    ("conv2d rank 3", lambda: nn.Conv2d(3, 4, 3), lambda: _x(3, 8, 8), ValueError,
     r"conv2d\(\): expected a 4-D \(N, C, H, W\) 'input', got shape \(3, 8, 8\) \(3-D\)"),
    ("conv2d rank 5", lambda: nn.Conv2d(3, 4, 3), lambda: _x(1, 3, 8, 8, 1), ValueError,
     r"expected a 4-D \(N, C, H, W\) 'input', got shape \(1, 3, 8, 8, 1\) \(5-D\)"),
    ("conv2d kernel larger than input", lambda: nn.Conv2d(3, 4, 5), lambda: _x(1, 3, 4, 4),
     ValueError, r"conv2d\(\): the padded input size per channel \(4 x 4\) is smaller than the "
                 r"kernel size \(5 x 5\)"),
    ("conv_transpose2d channel mismatch", lambda: nn.ConvTranspose2d(3, 4, 3),
     lambda: _x(2, 2, 5, 5), ValueError,
     r"conv_transpose2d\(\): weight of shape \(3, 4, 3, 3\) expects the input to have 3 "
     r"channels, but input of shape \(2, 2, 5, 5\) has 2"),
    ("max pool window larger than input", lambda: nn.MaxPool2d(5), lambda: _x(1, 1, 4, 4),
     ValueError, r"max_pool2d\(\): input of shape \(1, 1, 4, 4\) is smaller than the "
                 r"kernel_size \(5, 5\)"),
    ("avg pool window larger than input", lambda: nn.AvgPool2d((2, 6)), lambda: _x(1, 1, 4, 4),
     ValueError, r"avg_pool2d\(\): input of shape \(1, 1, 4, 4\) is smaller than the "
                 r"kernel_size \(2, 6\)"),
    ("max pool rank 2", lambda: nn.MaxPool2d(2), lambda: _x(4, 4), ValueError,
     r"max_pool2d\(\): expected a 4-D \(N, C, H, W\) 'input', got shape \(4, 4\) \(2-D\)"),
    ("adaptive pool rank 3", lambda: nn.AdaptiveAvgPool2d(2), lambda: _x(3, 4, 4), ValueError,
     r"adaptive_avg_pool2d\(\): expected a 4-D \(N, C, H, W\) 'input', got shape \(3, 4, 4\)"),
    ("linear in_features mismatch", lambda: nn.Linear(4, 2), lambda: _x(3, 5), ValueError,
     r"Linear\(in_features=4, out_features=2\): input of shape \(3, 5\) does not match weight "
     r"of shape \(2, 4\); expected the input's last dimension to be 4"),
    ("linear 0-d input", lambda: nn.Linear(4, 2), lambda: tb.tensor(1.0), ValueError,
     r"input of shape \(\) does not match weight of shape \(2, 4\)"),
    ("batchnorm channel mismatch", lambda: nn.BatchNorm2d(4), lambda: _x(2, 3, 5, 5),
     ValueError, r"BatchNorm2d\(4\): input of shape \(2, 3, 5, 5\) has 3 channels in dimension "
                 r"1, expected 4"),
    ("batchnorm2d rank 3", lambda: nn.BatchNorm2d(3), lambda: _x(2, 3, 5), ValueError,
     r"BatchNorm2d: expected 4D input \(got 3D input of shape \(2, 3, 5\)\)"),
    ("batchnorm batch of one", lambda: nn.BatchNorm1d(3), lambda: _x(1, 3), ValueError,
     r"BatchNorm1d: expected more than 1 value per channel when training, got input of shape "
     r"\(1, 3\)"),
    ("batchnorm empty batch", lambda: nn.BatchNorm2d(3), lambda: _x(0, 3, 4, 4), ValueError,
     r"expected more than 1 value per channel when training, got input of shape \(0, 3, 4, 4\)"),
    ("local response norm rank 2", lambda: nn.LocalResponseNorm(2), lambda: _x(2, 3), ValueError,
     r"local_response_norm\(\): expected an input with 3 or more dimensions \(N, C, \.\.\.\), "
     r"got shape \(2, 3\)"),
    ("flatten rank 1", lambda: nn.Flatten(), lambda: _x(3), ValueError,
     r"flatten\(\): start_dim=1 is out of range for a tensor of shape \(3,\)"),
    ("softmax dim out of range", lambda: nn.Softmax(dim=2), lambda: _x(2, 3), ValueError,
     r"softmax\(\): dim must be an int in \[-2, 1\] for input of shape \(2, 3\), got 2"),
    ("integer input", lambda: nn.Linear(3, 2), lambda: tb.tensor([[1, 2, 3]]), TypeError,
     r"linear\(\): argument 'input' must be a floating point tensor, got dtype int64; convert "
     r"it first, e.g. input.float\(\)"),
    ("float64 input into float32 layer", lambda: nn.Linear(3, 2), lambda: _x(2, 3, dtype="float64"),
     TypeError, r"linear\(\): 'input' has dtype float64 but 'weight' has dtype float32; they "
                r"must match"),
    ("string array", lambda: nn.Linear(3, 2), lambda: np.array([["a", "b", "c"]]), TypeError,
     r"linear\(\): argument 'input': tensor\(data\): unsupported dtype <U1 \(from ndarray\); "
     r"expected a floating point, integer or boolean array"),
    ("object array", lambda: nn.Conv2d(1, 1, 1), lambda: np.array([1.0, None], dtype=object),
     TypeError, r"conv2d\(\): argument 'input': tensor\(data\): unsupported dtype object"),
    ("complex array", lambda: nn.MaxPool2d(2), lambda: np.ones((1, 1, 4, 4), dtype=complex),
     TypeError, r"max_pool2d\(\): argument 'input': tensor\(data\): unsupported dtype complex128"),
    ("not array-like", lambda: nn.ReLU(), lambda: "x", TypeError,
     r"relu\(\): argument 'input' must be a Tensor, got str"),
    ("ragged list", lambda: nn.Sigmoid(), lambda: [[1.0, 2.0], [3.0]], TypeError,
     r"sigmoid\(\): argument 'input': tensor\(data\): could not convert list to an array of "
     r"numbers"),
]


@pytest.mark.parametrize("make_layer, make_input, error, message",
                         [c[1:] for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES])
def test_layers_refuse_bad_input_and_stay_unchanged(make_layer, make_input, error, message,
                                                    assert_unchanged):
    tb.manual_seed(0)
    layer = make_layer()
    x = make_input()
    with assert_unchanged(layer):
        with pytest.raises(error, match=message):
            layer(x)


# -- functional ops: bad shapes, hyperparameters and targets ---------------------------

FUNCTIONAL_CASES = [
    ("conv2d bias shape", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), _x(3)), ValueError,
     r"conv2d\(\): bias must have shape \(4,\) \(one per output channel\), got \(3,\)"),
    ("conv2d weight rank", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3)), ValueError,
     r"conv2d\(\): expected a 4-D 'weight', got shape \(4, 3, 3\) \(3-D\)"),
    ("conv2d stride 0", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), stride=0), ValueError,
     r"conv2d\(\): 'stride' must be positive, got 0"),
    ("conv2d negative padding", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), padding=-1),
     ValueError, r"conv2d\(\): 'padding' must be non-negative, got -1"),
    ("conv2d dilation 0", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), dilation=(1, 0)),
     ValueError, r"conv2d\(\): 'dilation' must be positive, got \(1, 0\)"),
    ("conv2d groups 0", lambda: F.conv2d(_x(1, 4, 5, 5), _x(4, 2, 3, 3), groups=0), ValueError,
     r"conv2d\(\): groups must be a positive int, got 0"),
    ("conv2d float stride", lambda: F.conv2d(_x(1, 3, 5, 5), _x(4, 3, 3, 3), stride=1.5),
     TypeError, r"conv2d\(\): 'stride' must be an int or a pair of ints, got 1.5"),
    ("conv_transpose2d output_padding", lambda: F.conv_transpose2d(
        _x(1, 3, 5, 5), _x(3, 4, 3, 3), stride=2, output_padding=2), ValueError,
     r"conv_transpose2d\(\): output_padding \(2, 2\) must be smaller than either stride "
     r"\(2, 2\) or dilation \(1, 1\)"),
    ("max_pool2d kernel 0", lambda: F.max_pool2d(_x(1, 1, 4, 4), 0), ValueError,
     r"max_pool2d\(\): 'kernel_size' must be positive, got 0"),
    ("max_pool2d stride 0", lambda: F.max_pool2d(_x(1, 1, 4, 4), 2, stride=0), ValueError,
     r"max_pool2d\(\): 'stride' must be positive, got 0"),
    ("max_pool2d padding too large", lambda: F.max_pool2d(_x(1, 1, 4, 4), 2, padding=2),
     ValueError, r"max_pool2d\(\): padding should be at most half of the effective kernel size, "
                 r"but got padding=\(2, 2\), kernel_size=\(2, 2\)"),
    ("avg_pool2d divisor 0", lambda: F.avg_pool2d(_x(1, 1, 4, 4), 2, divisor_override=0),
     ValueError, r"avg_pool2d\(\): divisor_override must be a positive int, got 0"),
    ("adaptive output 0", lambda: F.adaptive_avg_pool2d(_x(1, 1, 4, 4), 0), ValueError,
     r"adaptive_avg_pool2d\(\): 'output_size' must be positive, got 0"),
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
     ValueError, r"batch_norm\(\): momentum must be a number in \[0, 1\], got 2"),
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
     r"local_response_norm\(\): size must be a positive int, got 0"),
    ("dropout p > 1", lambda: F.dropout(_x(3), 1.5), ValueError,
     r"dropout probability has to be between 0 and 1, but got 1.5"),
    ("gelu approximate", lambda: F.gelu(_x(3), approximate="fast"), ValueError,
     r"gelu\(\): approximate must be 'none' or 'tanh', got 'fast'"),
    ("leaky_relu slope", lambda: F.leaky_relu(_x(3), "0.1"), ValueError,
     r"leaky_relu\(\): negative_slope must be a finite number, got '0.1'"),
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
     r"binary_cross_entropy\(\): target size \(2,\) must be the same as input size \(3,\)"),
    ("bce with logits shapes", lambda: F.binary_cross_entropy_with_logits(_x(3), _x(2)),
     ValueError, r"binary_cross_entropy_with_logits\(\): target size \(2,\) must be the same as "
                 r"input size \(3,\)"),
    ("reduction name", lambda: F.mse_loss(_x(3), _x(3), reduction="avg"), ValueError,
     r"mse_loss\(\): reduction must be 'mean', 'sum' or 'none', got 'avg'"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in FUNCTIONAL_CASES + LOSS_CASES],
                         ids=[c[0] for c in FUNCTIONAL_CASES + LOSS_CASES])
def test_functional_ops_refuse_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- non-positive sizes, strides, kernels -------------------------------------------------

SIZE_CASES = [
    ("Linear in_features 0", lambda: nn.Linear(0, 2), ValueError,
     r"Linear: in_features must be a positive integer, got 0"),
    ("Linear out_features -1", lambda: nn.Linear(3, -1), ValueError,
     r"Linear: out_features must be a positive integer, got -1"),
    ("Linear float features", lambda: nn.Linear(2.5, 2), TypeError,
     r"Linear: in_features must be an int, got 2.5 \(float\)"),
    ("Conv2d kernel 0", lambda: nn.Conv2d(3, 4, 0), ValueError,
     r"Conv2d: kernel_size must be positive, got 0"),
    ("Conv2d stride (1, 0)", lambda: nn.Conv2d(3, 4, 3, stride=(1, 0)), ValueError,
     r"Conv2d: stride must be positive, got \(1, 0\)"),
    ("Conv2d padding -1", lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError,
     r"Conv2d: padding must be >= 0, got -1"),
    ("Conv2d groups", lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError,
     r"Conv2d: in_channels \(3\) must be divisible by groups \(2\)"),
    ("ConvTranspose2d out_channels 0", lambda: nn.ConvTranspose2d(3, 0, 3), ValueError,
     r"ConvTranspose2d: out_channels must be a positive integer, got 0"),
    ("MaxPool2d kernel 0", lambda: nn.MaxPool2d(0), ValueError,
     r"MaxPool2d: kernel_size must be positive, got 0"),
    ("MaxPool2d stride -1", lambda: nn.MaxPool2d(2, stride=-1), ValueError,
     r"MaxPool2d: stride must be positive, got -1"),
    ("AvgPool2d padding > kernel/2", lambda: nn.AvgPool2d(2, padding=2), ValueError,
     r"AvgPool2d: padding \(2, 2\) should be at most half of the effective kernel size "
     r"\(kernel_size \(2, 2\), dilation \(1, 1\)\)"),
    ("MaxPool2d padding > dilated kernel/2", lambda: nn.MaxPool2d(3, padding=3, dilation=2),
     ValueError, r"MaxPool2d: padding \(3, 3\) should be at most half of the effective kernel "
     r"size \(kernel_size \(3, 3\), dilation \(2, 2\)\)"),
    ("AdaptiveAvgPool2d 0", lambda: nn.AdaptiveAvgPool2d(0), ValueError,
     r"AdaptiveAvgPool2d: output_size must be positive, got 0"),
    ("BatchNorm2d 0 features", lambda: nn.BatchNorm2d(0), ValueError,
     r"BatchNorm2d: num_features must be a positive integer, got 0"),
    ("LocalResponseNorm size 0", lambda: nn.LocalResponseNorm(0), ValueError,
     r"LocalResponseNorm: size must be a positive integer, got 0"),
    ("Dropout p -0.1", lambda: nn.Dropout(-0.1), ValueError,
     r"Dropout: dropout probability has to be between 0 and 1, but got -0.1"),
    ("zeros negative size", lambda: tb.zeros(-1, 2), ValueError,
     r"zeros: sizes must be non-negative, got shape \(-1, 2\)"),
    ("split size 0", lambda: tb.split(tb.zeros(4), 0), ValueError,
     r"split: split_size must be positive, got 0"),
    ("DataLoader batch_size 0", lambda: tb.data.DataLoader(
        tb.data.TensorDataset(np.zeros((3, 2))), batch_size=0), ValueError,
     r"DataLoader: batch_size must be >= 1, got 0"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in SIZE_CASES],
                         ids=[c[0] for c in SIZE_CASES])
def test_non_positive_sizes_strides_and_kernels_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- dtypes: tensor() and operands -------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (np.array([1.0, None], dtype=object), r"unsupported dtype object \(from ndarray\)"),
    (["a", "b"], r"unsupported dtype <U1 \(from list\)"),
    ([1 + 2j], r"unsupported dtype complex128 \(from list\)"),
    (np.ones(2, dtype=np.complex64), r"unsupported dtype complex64 \(from ndarray\)"),
    (None, r"unsupported dtype object \(from NoneType\)"),
    ({"a": 1}, r"unsupported dtype object \(from dict\)"),
    ([[1.0, 2.0], [3.0]], r"could not convert list to an array of numbers"),
], ids=["object array", "strings", "complex list", "complex64 array", "None", "dict", "ragged"])
def test_tensor_refuses_what_is_not_numbers(data, message):
    with pytest.raises(TypeError, match=r"tensor\(data\): " + message):
        tb.tensor(data)


@pytest.mark.parametrize("operand, message", [
    ("a", r"unsupported dtype <U1"),
    (1j, r"complex numbers are not supported \(got 1j\)"),
    (np.array([1.0, None, 2.0], dtype=object), r"unsupported operand of dtype object; expected "
                                               r"numbers"),
    (np.array([1j, 2j, 3j]), r"unsupported operand of dtype complex128; expected numbers"),
    (None, r"unsupported dtype object \(from NoneType\)"),
], ids=["string", "complex", "object array", "complex array", "None"])
def test_ops_refuse_operands_that_are_not_numbers(operand, message):
    x = tb.ones(3, requires_grad=True)
    for op in (lambda: x + operand, lambda: x * operand, lambda: operand - x):
        with pytest.raises(TypeError, match=message):
            op()
    assert x.grad is None


def test_integer_tensors_cannot_require_grad_nor_enter_float_layers():
    with pytest.raises(RuntimeError, match=r"only tensors of floating point dtype can require "
                                           r"gradients, got dtype int64"):
        tb.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match=r"Linear: dtype must be a floating point type, got int64"):
        nn.Linear(3, 2, dtype="int64")


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
    ("BatchNorm eps", lambda p: nn.BatchNorm1d(3, eps=NAN),
     r"BatchNorm1d: eps must be a finite number, got nan"),
    ("BatchNorm momentum", lambda p: nn.BatchNorm1d(3, momentum=NAN),
     r"BatchNorm1d: momentum must be a finite number, got nan"),
    ("LocalResponseNorm k", lambda p: nn.LocalResponseNorm(2, k=math.inf),
     r"LocalResponseNorm: k must be a finite number, got inf"),
    ("Dropout p", lambda p: nn.Dropout(NAN),
     r"Dropout: dropout probability has to be between 0 and 1, but got nan"),
    ("leaky_relu slope", lambda p: F.leaky_relu(_x(3), NAN),
     r"leaky_relu\(\): negative_slope must be a finite number, got nan"),
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
    ("StepLR gamma", lambda p: optim.lr_scheduler.StepLR(optim.SGD(p, lr=0.1), 1, gamma=NAN),
     r"Invalid gamma: gamma=nan, expected gamma > 0"),
    ("batch_norm eps", lambda p: F.batch_norm(_x(4, 3), None, None, training=True, eps=NAN),
     r"batch_norm\(\): eps must be a non-negative number, got nan"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in NAN_ARGUMENT_CASES],
                         ids=[c[0] for c in NAN_ARGUMENT_CASES])
def test_nan_and_inf_arguments_are_refused(call, message, assert_unchanged):
    layer = nn.Linear(3, 2)
    params = list(layer.parameters())
    for p in params:
        p.grad = tb.ones(*p.shape)
    with assert_unchanged(layer):
        with pytest.raises(ValueError, match=message):
            call(params)


NAN_DATA_LAYERS = [
    ("ReLU", lambda: nn.ReLU()), ("LeakyReLU", lambda: nn.LeakyReLU()),
    ("GELU", lambda: nn.GELU()), ("Sigmoid", lambda: nn.Sigmoid()), ("Tanh", lambda: nn.Tanh()),
    ("MaxPool2d", lambda: nn.MaxPool2d(2)), ("AvgPool2d", lambda: nn.AvgPool2d(2)),
    ("Conv2d", lambda: nn.Conv2d(2, 3, 3, padding=1)), ("Linear", lambda: nn.Linear(6, 6)),
    ("Dropout", lambda: nn.Dropout(0.0)), ("BatchNorm2d eval", lambda: nn.BatchNorm2d(2).eval()),
    ("Softmax", lambda: nn.Softmax(dim=-1)),
]


@pytest.mark.parametrize("make", [c[1] for c in NAN_DATA_LAYERS],
                         ids=[c[0] for c in NAN_DATA_LAYERS])
def test_nan_in_data_propagates_and_is_never_replaced_by_a_number(make):
    """PyTorch's contract: an op fed NaN outputs NaN where that input counts (e.g. ReLU(NaN)
    is NaN, not 0; a max-pool window holding NaN gives NaN). Our outputs have NaN exactly
    where PyTorch's have."""
    torch = pytest.importorskip("torch")
    tb.manual_seed(0)
    layer = make()
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 6)).astype(np.float32)
    x[0, 1, 2, 3] = np.nan
    x[1, 0, 5, 5] = np.inf
    with np.errstate(invalid="ignore", over="ignore"):
        out = layer(tb.tensor(x)).data
    torch_layer = _torch_twin(torch, layer)
    expected = torch_layer(torch.from_numpy(x)).detach().numpy()
    assert np.isnan(out).any()
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(out), np.isinf(expected))


def _torch_twin(torch, layer):
    """The same layer in PyTorch with the same weights."""
    tnn = torch.nn
    simple = {nn.ReLU: tnn.ReLU, nn.LeakyReLU: tnn.LeakyReLU, nn.GELU: tnn.GELU,
              nn.Sigmoid: tnn.Sigmoid, nn.Tanh: tnn.Tanh}
    if type(layer) in simple:
        return simple[type(layer)]()
    if isinstance(layer, nn.MaxPool2d):
        return tnn.MaxPool2d(2)
    if isinstance(layer, nn.AvgPool2d):
        return tnn.AvgPool2d(2)
    if isinstance(layer, nn.Dropout):
        return tnn.Identity()
    if isinstance(layer, nn.Softmax):
        return tnn.Softmax(dim=-1)
    twin = {nn.Conv2d: lambda: tnn.Conv2d(2, 3, 3, padding=1), nn.Linear: lambda: tnn.Linear(6, 6),
            nn.BatchNorm2d: lambda: tnn.BatchNorm2d(2).eval()}[type(layer)]()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    return twin


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


@pytest.mark.parametrize("layer, shape, out_shape", [
    (lambda: nn.Conv2d(4, 6, 3, groups=2), (0, 4, 6, 6), (0, 6, 4, 4)),
    (lambda: nn.ConvTranspose2d(3, 4, 3), (0, 3, 5, 5), (0, 4, 7, 7)),
    (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1), (0, 3, 5, 5), (0, 4, 12, 12)),
    (lambda: nn.MaxPool2d(2), (0, 2, 4, 4), (0, 2, 2, 2)),
    (lambda: nn.AvgPool2d(3, 1, 1), (0, 2, 4, 4), (0, 2, 4, 4)),
    (lambda: nn.AdaptiveAvgPool2d(3), (0, 2, 4, 4), (0, 2, 3, 3)),
    (lambda: nn.LocalResponseNorm(2), (0, 3, 4, 4), (0, 3, 4, 4)),
    (lambda: nn.Linear(3, 2), (0, 3), (0, 2)),
    (lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 2)), (0, 3, 2, 2), (0, 2)),
    (lambda: lambda x: F.unfold(x, 3), (0, 2, 4, 4), (0, 18, 4)),
    (lambda: lambda x: F.pad(x, (1, 1)), (0, 3), (0, 5)),
], ids=["Conv2d groups", "ConvTranspose2d", "ConvTranspose2d strided", "MaxPool2d", "AvgPool2d",
        "AdaptiveAvgPool2d", "LocalResponseNorm", "Linear", "Flatten+Linear", "unfold", "pad"])
def test_layers_map_an_empty_batch_to_an_empty_batch(layer, shape, out_shape):
    tb.manual_seed(0)
    x = tb.zeros(*shape, requires_grad=True)
    out = layer()(x)
    assert out.shape == out_shape and out.dtype == np.float32
    out.sum().backward()
    assert x.grad.shape == shape


# -- a whole model: mistakes leave model and optimizer exactly as they were ------------------

def test_a_failed_forward_restores_batchnorm_statistics(trained_setup, assert_unchanged):
    """A 10x10 image into a net built for 8x8 passes the conv and BatchNorm (which update
    their running statistics) and fails at the Linear layer: the update is undone."""
    model, opt, _, _ = trained_setup
    model.train()
    with assert_unchanged(model, opt):
        with pytest.raises(ValueError, match=r"Linear\(in_features=36, out_features=3\): input "
                                             r"of shape \(5, 64\) does not match"):
            model(tb.randn(5, 1, 10, 10))
    # The restored buffers are the very arrays the layer holds, still updated in place.
    bn = model[1]
    array = bn.running_mean.data
    model(tb.randn(5, 1, 8, 8))
    assert bn.running_mean.data is array and int(bn.num_batches_tracked.data) == 3


def test_a_failing_custom_forward_restores_state_too(assert_unchanged):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(3)

        def forward(self, x):
            self.bn(x)
            self.bn(x * 2)
            raise KeyError("user bug after two BatchNorm updates")

    net = Net()
    with assert_unchanged(net):
        with pytest.raises(KeyError, match="user bug"):
            net(tb.randn(4, 3))


def test_a_custom_module_protects_its_buffers_with_remember_state(assert_unchanged):
    from tinygrad_book.nn.modules.module import remember_state

    class Counter(nn.Module):
        """Counts the samples it has seen, in a buffer changed in place."""

        def __init__(self):
            super().__init__()
            self.register_buffer("seen", tb.zeros(1))

        def forward(self, x):
            remember_state(self.seen)
            self.seen.data += x.shape[0]
            return x

    model = nn.Sequential(Counter(), nn.Linear(3, 2))
    model(tb.randn(4, 3))
    with assert_unchanged(model):
        with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=2\): input of "
                                             r"shape \(4, 5\)"):
            model(tb.randn(4, 5))
    assert model[0].seen.item() == 4


@pytest.mark.parametrize("mistake, error, message", [
    (lambda m, x: m(x[:, :, :, :6]), ValueError, r"Linear\(in_features=36, out_features=3\): "
                                                 r"input of shape \(5, 24\)"),
    (lambda m, x: m(x[0]), ValueError, r"conv2d\(\): expected a 4-D \(N, C, H, W\) 'input', got "
                                       r"shape \(1, 8, 8\)"),
    (lambda m, x: m(x.double()), TypeError, r"conv2d\(\): 'input' has dtype float64 but "
                                            r"'weight' has dtype float32"),
    (lambda m, x: m(x[:0]), ValueError, r"BatchNorm2d: expected more than 1 value per channel"),
    (lambda m, x: m(x.data.astype(np.int64)), TypeError, r"conv2d\(\): argument 'input' must "
                                                         r"be a floating point tensor"),
], ids=["wrong image size", "missing batch axis", "float64 input", "empty batch",
        "integer images"])
def test_model_mistakes_change_neither_model_nor_optimizer(trained_setup, assert_unchanged,
                                                           mistake, error, message):
    model, opt, x, _ = trained_setup
    with assert_unchanged(model, opt):
        with pytest.raises(error, match=message):
            mistake(model, x)


@pytest.mark.parametrize("mistake, error, message", [
    (lambda y, t: F.cross_entropy(y, t + 1), ValueError, r"target 3 is out of bounds: classes "
                                                         r"are 0\.\.2"),
    (lambda y, t: F.cross_entropy(y, t.float()), ValueError,
     r"a probability target must have the input's shape \(5, 3\), got \(5,\)"),
    (lambda y, t: F.cross_entropy(y, t[:4]), ValueError,
     r"class-index target must have shape \(5,\) for input of shape \(5, 3\), got \(4,\)"),
    (lambda y, t: nn.NLLLoss()(y, t.float()), TypeError,
     r"nll_loss\(\): target must hold integer class indices, got dtype float32"),
], ids=["labels 1..3", "float labels", "labels too few", "nll float labels"])
def test_loss_mistakes_change_neither_model_nor_optimizer(trained_setup, assert_unchanged,
                                                          mistake, error, message):
    model, opt, x, t = trained_setup
    scores = model(x)
    with assert_unchanged(model, opt, scores):
        with pytest.raises(error, match=message):
            mistake(scores, t)
    assert scores.grad_fn is not None  # the graph is intact: a corrected loss still works
    F.cross_entropy(scores, t).backward()
