"""Bad input into every layer: wrong ranks, shapes, dtypes, sizes and NaN arguments get an
error that names the argument, what it got and what it expected — before anything changes
(the layer, its buffers, a whole model and its optimizer stay as they were)."""
import math

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn

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


# -- non-positive sizes, strides, kernels -------------------------------------------------

SIZE_CASES = [
    ("Linear in_features 0", lambda: nn.Linear(0, 2), ValueError,
     r"Linear: in_features must be positive, got 0"),
    ("Linear out_features -1", lambda: nn.Linear(3, -1), ValueError,
     r"Linear: out_features must be positive, got -1"),
    ("Linear float features", lambda: nn.Linear(2.5, 2), TypeError,
     r"Linear: in_features must be an int, got float 2.5"),
    ("Conv2d kernel 0", lambda: nn.Conv2d(3, 4, 0), ValueError,
     r"Conv2d: kernel_size must be positive, got 0"),
    ("Conv2d stride (1, 0)", lambda: nn.Conv2d(3, 4, 3, stride=(1, 0)), ValueError,
     r"Conv2d: stride must be positive, got \(1, 0\)"),
    ("Conv2d padding -1", lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError,
     r"Conv2d: padding must be non-negative, got -1"),
    ("Conv2d groups", lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError,
     r"Conv2d: in_channels \(3\) must be divisible by groups \(2\)"),
    ("Conv1d out_channels groups", lambda: nn.Conv1d(2, 3, 3, groups=2), ValueError,
     r"Conv1d: out_channels \(3\) must be divisible by groups \(2\)"),
    ("GroupNorm channels", lambda: nn.GroupNorm(4, 6), ValueError,
     r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\)"),
    ("MultiheadAttention heads", lambda: nn.MultiheadAttention(10, 4), ValueError,
     r"MultiheadAttention: embed_dim \(10\) must be divisible by num_heads \(4\)"),
    ("ConvTranspose2d out_channels 0", lambda: nn.ConvTranspose2d(3, 0, 3), ValueError,
     r"ConvTranspose2d: out_channels must be positive, got 0"),
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
     r"BatchNorm2d: num_features must be positive, got 0"),
    ("LocalResponseNorm size 0", lambda: nn.LocalResponseNorm(0), ValueError,
     r"LocalResponseNorm: size must be positive, got 0"),
    ("Dropout p -0.1", lambda: nn.Dropout(-0.1), ValueError,
     r"Dropout: dropout probability has to be between 0 and 1, but got -0.1"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in SIZE_CASES],
                         ids=[c[0] for c in SIZE_CASES])
def test_non_positive_sizes_strides_and_kernels_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_layers_refuse_an_integer_dtype():
    with pytest.raises(TypeError, match=r"Linear: dtype must be a floating point type, got int64"):
        nn.Linear(3, 2, dtype="int64")


# -- NaN and Inf -------------------------------------------------------------------------
# Arguments (hyperparameters, probabilities, scales) are refused; data is not — NaN in a
# tensor propagates, as in PyTorch, so that it is visible, never replaced by a number.

NAN_ARGUMENT_CASES = [
    ("BatchNorm eps", lambda p: nn.BatchNorm1d(3, eps=NAN),
     r"BatchNorm1d: eps must be a finite number, got nan"),
    ("BatchNorm momentum", lambda p: nn.BatchNorm1d(3, momentum=NAN),
     r"BatchNorm1d: momentum must be a finite number, got nan"),
    ("LocalResponseNorm k", lambda p: nn.LocalResponseNorm(2, k=math.inf),
     r"LocalResponseNorm: k must be a finite number, got inf"),
    ("Dropout p", lambda p: nn.Dropout(NAN),
     r"Dropout: dropout probability has to be between 0 and 1, but got nan"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in NAN_ARGUMENT_CASES],
                         ids=[c[0] for c in NAN_ARGUMENT_CASES])
def test_nan_and_inf_arguments_are_refused(call, message, refuses_argument):
    refuses_argument(call, message)


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
    (lambda m, x: m(x.data.astype(np.int64)), TypeError, r"conv2d\(\): argument 'input' must "
                                                         r"be a floating point tensor"),
], ids=["wrong image size", "missing batch axis", "float64 input", "integer images"])
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
