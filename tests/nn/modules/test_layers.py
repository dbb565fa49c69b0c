"""Layers: constructor checks, shapes, forward/backward, and parity with torch.nn in float64."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn

# (our layer, the torch.nn layer built the same way, input shape)
LAYERS = [
    ("Linear", (5, 3), {}, (4, 5)),
    ("Linear", (5, 3), {"bias": False}, (2, 3, 5)),
    ("Conv2d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 7, 6)),
    ("Conv2d", (4, 6, (3, 2)), {"dilation": 2, "groups": 2, "bias": False}, (2, 4, 8, 7)),
    ("Conv2d", (2, 3, 3), {"padding": "same"}, (1, 2, 5, 5)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1},
     (2, 3, 4, 5)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}, (2, 2, 7, 5)),
    ("AvgPool2d", (2,), {}, (2, 3, 6, 6)),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False}, (1, 2, 5, 6)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 2, 5, 7)),
    ("BatchNorm1d", (4,), {}, (6, 4)),
    ("BatchNorm1d", (3,), {"affine": False}, (4, 3, 5)),
    ("BatchNorm2d", (3,), {}, (4, 3, 3, 2)),
    ("BatchNorm2d", (3,), {"momentum": None, "track_running_stats": True}, (4, 3, 2, 2)),
    ("LocalResponseNorm", (3,), {"alpha": 0.1, "beta": 0.75, "k": 2.0}, (2, 5, 3, 3)),
    ("ReLU", (), {}, (3, 4)),
    ("LeakyReLU", (0.2,), {}, (3, 4)),
    ("Sigmoid", (), {}, (3, 4)),
    ("Tanh", (), {}, (3, 4)),
    ("GELU", (), {}, (3, 4)),
    ("GELU", (), {"approximate": "tanh"}, (3, 4)),
    ("Softmax", (), {"dim": 1}, (3, 4)),
    ("LogSoftmax", (), {"dim": -1}, (3, 4)),
    ("Flatten", (), {}, (2, 3, 2, 2)),
    ("Identity", (), {}, (2, 3)),
]


def ids(entry):
    name, args, kwargs, _ = entry
    return name + "-" + "-".join(map(str, args + tuple(kwargs.values())))


@pytest.mark.parametrize("entry", LAYERS, ids=ids)
def test_forward_backward_shapes(entry):
    name, args, kwargs, shape = entry
    layer = getattr(nn, name)(*args, **kwargs)
    x = tb.randn(*shape, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert x.grad.shape == x.shape and x.grad.dtype == np.float32
    assert y.dtype == np.float32
    for pname, p in layer.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, pname


@pytest.mark.parametrize("entry", LAYERS, ids=ids)
def test_parity_with_torch(entry):
    torch = pytest.importorskip("torch")
    name, args, kwargs, shape = entry
    tb.manual_seed(0)
    torch.manual_seed(0)
    ours = getattr(nn, name)(*args, **kwargs).double()
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(1)
    for _ in range(3):     # several steps: BatchNorm's running statistics must track too
        x = rng.standard_normal(shape)
        xo = tb.Tensor(x.copy(), requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-5, atol=1e-10)
        g = rng.standard_normal(yt.shape)
        yo.backward(tb.Tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-5, atol=1e-10)
        theirs_params = dict(theirs.named_parameters())
        for pname, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.data, theirs_params[pname].grad.numpy(),
                                       rtol=1e-5, atol=1e-10, err_msg=pname)
    for key, value in theirs.state_dict().items():   # running statistics after 3 steps
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-5,
                                   atol=1e-12, err_msg=key)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(tb.Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("build,message", [
    (lambda: nn.Conv2d(1, 3, (3, 3, 3)), r"Conv2d: kernel_size must be an int or a pair"),
    (lambda: nn.Conv2d(1, 3, 3, stride=0), r"Conv2d: stride must be positive, got 0"),
    (lambda: nn.Conv2d(1, 3, 3, padding="full"), r"padding must be an int, a pair, 'valid'"),
    (lambda: nn.Conv2d(1, 3, 3, stride=2, padding="same"), r"padding='same' is not supported"),
    (lambda: nn.ConvTranspose2d(1, 3, 3, stride=2, output_padding=2),
     r"output_padding \(2, 2\) must be smaller than either stride"),
    (lambda: nn.MaxPool2d(2, padding=2), r"padding \(2, 2\) should be at most half"),
    (lambda: nn.AvgPool2d(0), r"AvgPool2d: kernel_size must be positive, got 0"),
    (lambda: nn.BatchNorm1d(3, momentum=0.9 + 1), r"momentum must be in \[0, 1\]"),
    (lambda: nn.BatchNorm1d(3, eps=0), r"BatchNorm1d: eps must be positive, got 0"),
    (lambda: nn.Dropout(1.5), r"Dropout: dropout probability has to be between 0 and 1, but "
                              r"got 1.5"),
    (lambda: nn.GELU("fast"), r"approximate must be 'none' or 'tanh', got 'fast'"),
    (lambda: nn.LeakyReLU("0.1"), r"LeakyReLU: negative_slope must be a number, got str '0.1'"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"),
     r"reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=2),
     r"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got 2.0"),
    (lambda: nn.CrossEntropyLoss(label_smoothing="0.1"),
     r"CrossEntropyLoss: label_smoothing must be a number, got str '0.1'"),
])
def test_constructor_errors_name_argument_and_value(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_batchnorm_input_checks_leave_state_unchanged():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 2D input"):
        bn(tb.zeros(4, 3))
    with pytest.raises(ValueError, match=r"input of shape \(2, 4, 3, 3\) has 4 channels"):
        bn(tb.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(tb.zeros(1, 3))
    assert int(bn.num_batches_tracked.data) == 0
    bn.eval()
    bn(tb.zeros(1, 3, 1, 1))  # one sample is fine with running statistics


def test_batchnorm_counts_batches_and_tracks_statistics():
    bn = nn.BatchNorm1d(2)
    x = np.array([[1.0, 10.0], [3.0, 14.0], [5.0, 18.0]], dtype=np.float32)
    bn(tb.Tensor(x))
    assert int(bn.num_batches_tracked.data) == 1
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-6)
    assert bn.running_mean.dtype == np.float32
    bn.reset_running_stats()
    assert int(bn.num_batches_tracked.data) == 0 and not bn.running_mean.data.any()


def test_dropout_train_and_eval():
    tb.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = tb.ones(200, 100)
    y = drop(x).data
    kept = y != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.02)
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x).data, x.data)
    assert not nn.Dropout(1.0)(x).data.any()
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4))
    target = np.array([0, 3, 1, 1, 2])
    for kwargs in ({}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.1}):
        lo = tb.Tensor(logits.copy(), requires_grad=True)
        lt = torch.tensor(logits, requires_grad=True)
        out = nn.CrossEntropyLoss(**kwargs)(lo, tb.Tensor(target))
        ref = torch.nn.CrossEntropyLoss(**kwargs)(lt, torch.tensor(target))
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(lo.grad.data, lt.grad.numpy(), rtol=1e-6, atol=1e-12)
    pred, tgt = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    np.testing.assert_allclose(nn.MSELoss()(tb.Tensor(pred), tb.Tensor(tgt)).data,
                               torch.nn.MSELoss()(torch.tensor(pred), torch.tensor(tgt)).numpy(),
                               rtol=1e-6)
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


def test_layers_keep_float64():
    x = tb.randn(2, 3, 6, 6).double()
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.5), nn.Linear(16, 2)).double()
    assert model(x).dtype == np.float64


def test_max_pool_layer_accepts_padding_up_to_half_the_dilated_window():
    # As PyTorch: the bound is (dilation * (kernel - 1) + 1) // 2, here 2.
    pool = nn.MaxPool2d(3, padding=2, dilation=2)
    assert pool(tb.randn(1, 1, 8, 8)).shape == (1, 1, 3, 3)
