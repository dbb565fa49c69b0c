"""The model zoo: architecture, book initialisation, training, PyTorch parity, book checkpoints."""
import math
import os
import pickle
import time
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import models, nn

ZOO = {
    "MLP": (lambda: models.MLP(784, [40, 30], 10, use_batchnorm=True, use_dropout=True,
                               dropout_ratio=0.2), (1, 28, 28)),
    "SimpleConvNet": (models.SimpleConvNet, (1, 28, 28)),
    "DeepConvNet": (models.DeepConvNet, (1, 28, 28)),
    "LeNet5": (models.LeNet5, (1, 28, 28)),
    "AlexNet": (lambda: models.AlexNet(in_channels=3, input_size=32), (3, 32, 32)),
}


def batch(shape, n, seed=0):
    rng = np.random.default_rng(seed)
    return (tb.Tensor(rng.standard_normal((n,) + shape).astype(np.float32)),
            tb.Tensor(np.arange(n) % 10))


def graph_paths(t):
    seen, stack, paths = set(), [t.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "next"):
            continue
        seen.add(id(node))
        paths.add(node.module_path)
        stack.extend(edge[0] for edge in node.next if edge is not None)
    return paths


@pytest.mark.parametrize("name", ZOO)
def test_forward_backward_and_module_tags(name):
    build, shape = ZOO[name]
    tb.manual_seed(0)
    model = build()
    x, t = batch(shape, 4)
    x.requires_grad_()      # so that even a first-layer reshape is recorded
    logits = model(x)
    assert logits.shape == (4, 10) and logits.dtype == np.float32
    loss = nn.CrossEntropyLoss()(logits, t)
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, pname
        assert np.isfinite(p.grad.data).all(), pname
    leaves = {n for n, m in model.named_modules() if not m._modules and n}
    paths = graph_paths(loss)
    # Every layer left its dotted path on the ops it recorded.
    assert leaves <= paths, leaves - paths
    assert "CrossEntropyLoss" in paths


class Adam:
    """A minimal Adam (Kingma & Ba), so these tests depend on nothing but nn."""

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr, self.t = lr, 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        self.t += 1
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad.data
            m += 0.1 * (g - m)
            v += 0.001 * (g * g - v)
            m_hat, v_hat = m / (1 - 0.9 ** self.t), v / (1 - 0.999 ** self.t)
            p.data -= (self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(p.dtype)
            p.grad = None


@pytest.mark.parametrize("name,lr,max_steps", [
    ("MLP", 1e-2, 40), ("SimpleConvNet", 1e-3, 60), ("DeepConvNet", 1e-3, 40),
    ("LeNet5", 3e-3, 60), ("AlexNet", 1e-3, 40),
])
def test_overfits_a_small_fixed_batch(name, lr, max_steps):
    """Memorising 8 random images is the standard check that forward, backward and
    the parameters fit together. Dropout is switched off (p=0) for it, as usual: its
    noise only slows memorisation; BatchNorm stays in training mode."""
    build, shape = ZOO[name]
    tb.manual_seed(0)
    model = build()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    x, t = batch(shape, 8)
    criterion = nn.CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr)
    start = time.perf_counter()
    first = None
    for step in range(max_steps):  # noqa: B007 (the last step is reported after the loop)
        loss = criterion(model(x), t)
        first = loss.item() if first is None else first
        if loss.item() < first / 10:
            break
        loss.backward()
        optimizer.step()
    print(f"{name}: {first:.3f} -> {loss.item():.4f} in {step} steps, "
          f"{time.perf_counter() - start:.2f} s")
    assert loss.item() < first / 10, (f"{name}: loss {first:.3f} -> {loss.item():.3f} after "
                                      f"{step} steps ({time.perf_counter() - start:.1f} s)")


# -- architecture and the book's initialisation ---------------------------------------------

def test_simple_convnet_is_the_books():
    tb.manual_seed(0)
    model = models.SimpleConvNet()
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes == {"conv1.weight": (30, 1, 5, 5), "conv1.bias": (30,),
                      "fc1.weight": (100, 4320), "fc1.bias": (100,),
                      "fc2.weight": (10, 100), "fc2.bias": (10,)}
    assert model.conv1.padding == (0, 0) and model.conv1.stride == (1, 1)
    assert model.pool1.kernel_size == (2, 2) and model.pool1.stride == (2, 2)
    assert model.fc1.weight.data.std() == pytest.approx(0.01, rel=0.02)
    assert not model.fc1.bias.data.any() and not model.conv1.bias.data.any()
    custom = models.SimpleConvNet(input_dim=(3, 32, 32), conv_param={"filter_num": 8, "pad": 2},
                                  hidden_size=20, weight_init_std="he")
    assert custom.fc1.weight.shape == (20, 8 * 16 * 16)
    assert custom.fc1.weight.data.std() == pytest.approx(math.sqrt(2 / 2048), rel=0.05)


def test_deep_convnet_is_the_books():
    tb.manual_seed(0)
    model = models.DeepConvNet()
    convs = [getattr(model, f"conv{i}") for i in range(1, 7)]
    assert [c.out_channels for c in convs] == [16, 16, 32, 32, 64, 64]
    assert [c.padding for c in convs] == [(1, 1)] * 3 + [(2, 2)] + [(1, 1)] * 2
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert model.fc1.weight.shape == (50, 64 * 4 * 4) and model.fc2.weight.shape == (10, 50)
    assert model.dropout1.p == 0.5 and model.dropout2.p == 0.5
    assert [n for n, _ in model.named_children()] == [
        "conv1", "relu1", "conv2", "relu2", "pool1", "conv3", "relu3", "conv4", "relu4",
        "pool2", "conv5", "relu5", "conv6", "relu6", "pool3", "flatten", "fc1", "relu7",
        "dropout1", "fc2", "dropout2"]
    # He initialisation with the book's pre_node_nums.
    for conv, n in zip(convs, [9, 144, 144, 288, 288, 576], strict=True):
        assert conv.weight.data.std() == pytest.approx(math.sqrt(2 / n), rel=0.15)
    assert model.fc1.weight.data.std() == pytest.approx(math.sqrt(2 / 1024), rel=0.05)


def test_mlp_layers_and_init_rules():
    tb.manual_seed(0)
    model = models.MLP(784, [100, 100], 10, activation="sigmoid", weight_init_std="xavier",
                       use_batchnorm=True, use_dropout=True, dropout_ratio=0.3)
    assert [n for n, _ in model.named_children()] == [
        "flatten", "fc1", "bn1", "act1", "dropout1", "fc2", "bn2", "act2", "dropout2", "fc3"]
    assert isinstance(model.act1, nn.Sigmoid) and model.dropout2.p == 0.3
    assert model.fc1.weight.data.std() == pytest.approx(1 / math.sqrt(784), rel=0.03)
    assert model.fc2.weight.data.std() == pytest.approx(1 / math.sqrt(100), rel=0.05)
    plain = models.MLP(784, [50], 10, weight_init_std=0.01)
    assert [n for n, _ in plain.named_children()] == ["flatten", "fc1", "act1", "fc2"]
    assert plain.fc1.weight.data.std() == pytest.approx(0.01, rel=0.03)
    assert plain(tb.zeros(2, 1, 28, 28)).shape == (2, 10)   # images are flattened


def test_lenet_and_alexnet_shapes():
    lenet = models.LeNet5(activation="sigmoid", pooling="avg")
    assert isinstance(lenet.act1, nn.Sigmoid) and isinstance(lenet.pool1, nn.AvgPool2d)
    assert lenet.fc1.weight.shape == (120, 400) and lenet.conv1.padding == (2, 2)
    assert models.AlexNet().classifier[1].weight.shape == (256, 64 * 3 * 3)
    alex = models.AlexNet(in_channels=3, num_classes=100, input_size=32)
    assert alex.classifier[1].weight.shape == (256, 64 * 4 * 4)
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in alex.modules()) == 2


@pytest.mark.parametrize("build,message", [
    (lambda: models.MLP(784, [100, 0], 10), r"MLP: hidden_size_list\[1\] must be positive, got 0"),
    (lambda: models.MLP(784, [100], 10, activation="elu"), "activation must be one of"),
    (lambda: models.MLP(784, [100], 10, weight_init_std="lecun"),
     "weight_init_std must be 'relu'/'he', 'sigmoid'/'xavier' or a positive number, got 'lecun'"),
    (lambda: models.SimpleConvNet(input_dim=(28, 28)), r"input_dim must be \(channels, height"),
    (lambda: models.SimpleConvNet(conv_param={"filters": 3}), "unknown conv_param key"),
    (lambda: models.SimpleConvNet(input_dim=(1, 5, 5)), r"too small for a 5x5 filter"),
    (lambda: models.DeepConvNet(input_dim=(1, 2, 2)), "too small for three 2x2 poolings"),
    (lambda: models.LeNet5(pooling="sum"), "pooling must be 'max' or 'avg', got 'sum'"),
    (lambda: models.AlexNet(input_size=4), "input_size 4 is too small"),
])
def test_model_argument_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# -- PyTorch parity ------------------------------------------------------------------------

def to_torch(module, torch):
    """The torch.nn network with the same layers, names and order (our zoo is sequential)."""
    tnn = torch.nn
    if module._modules:
        return tnn.Sequential(OrderedDict((name, to_torch(child, torch))
                                          for name, child in module.named_children()))
    kind = type(module).__name__
    if kind == "Conv2d":
        return tnn.Conv2d(module.in_channels, module.out_channels, module.kernel_size,
                          module.stride, module.padding)
    if kind == "Linear":
        return tnn.Linear(module.in_features, module.out_features)
    if kind in ("MaxPool2d", "AvgPool2d"):
        return getattr(tnn, kind)(module.kernel_size, module.stride, module.padding)
    if kind == "BatchNorm1d":
        return tnn.BatchNorm1d(module.num_features)
    if kind == "Dropout":
        return tnn.Dropout(module.p)
    if kind == "LocalResponseNorm":
        return tnn.LocalResponseNorm(module.size, module.alpha, module.beta, module.k)
    return getattr(tnn, kind)()


@pytest.mark.parametrize("name", ZOO)
def test_state_dict_loads_into_the_torch_model_with_equal_logits(name):
    torch = pytest.importorskip("torch")
    build, shape = ZOO[name]
    tb.manual_seed(1)
    ours = build()
    x, t = batch(shape, 4, seed=2)
    nn.CrossEntropyLoss()(ours(x), t)          # one training forward moves BN statistics
    theirs = to_torch(ours, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    expected = theirs(torch.from_numpy(x.data)).detach().numpy()
    np.testing.assert_allclose(ours(x).data, expected, rtol=1e-4, atol=1e-5)


# -- the book's params.pkl ------------------------------------------------------------------

def book_im2col(x, fh, fw, stride, pad):
    """The book's im2col (common/util.py), written out independently of the library."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        for xx in range(fw):
            col[:, :, y, xx] = img[:, :, y:y + stride * oh:stride, xx:xx + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1), oh, ow


def book_conv(x, w, b, stride=1, pad=0):
    col, oh, ow = book_im2col(x, w.shape[2], w.shape[3], stride, pad)
    out = col @ w.reshape(w.shape[0], -1).T + b
    return out.reshape(x.shape[0], oh, ow, -1).transpose(0, 3, 1, 2)


def book_pool(x):
    n, c = x.shape[:2]
    col, oh, ow = book_im2col(x, 2, 2, 2, 0)
    return col.reshape(-1, 4).max(axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)


def relu(x):
    return np.maximum(x, 0)


def simple_convnet_book(p, x):
    h = book_pool(relu(book_conv(x, p["W1"], p["b1"])))
    return relu(h.reshape(len(x), -1) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]


def deep_convnet_book(p, x):
    h = x
    for i, pad in zip(range(1, 7), (1, 1, 1, 2, 1, 1), strict=True):
        h = relu(book_conv(h, p[f"W{i}"], p[f"b{i}"], pad=pad))
        if i % 2 == 0:
            h = book_pool(h)
    h = relu(h.reshape(len(x), -1) @ p["W7"] + p["b7"]) * (1 - 0.5)   # book's test-time dropout
    return (h @ p["W8"] + p["b8"]) * (1 - 0.5)


def mlp_book(p, x, n_layers, ratio):
    h = x
    for i in range(1, n_layers):
        h = relu(h @ p[f"W{i}"] + p[f"b{i}"]) * (1 - ratio)
    return h @ p[f"W{n_layers}"] + p[f"b{n_layers}"]


def book_params(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(s) * (0.1 if k.startswith("W") else 0.05)
            for k, s in shapes.items()}


def write_pickle(path, obj, protocol=pickle.HIGHEST_PROTOCOL):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


SIMPLE_SHAPES = {"W1": (30, 1, 5, 5), "b1": (30,), "W2": (4320, 100), "b2": (100,),
                 "W3": (100, 10), "b3": (10,)}
DEEP_SHAPES = dict(
    [(f"W{i}", (o, c, 3, 3)) for i, (o, c) in enumerate(
        [(16, 1), (16, 16), (32, 16), (32, 32), (64, 32), (64, 64)], start=1)]
    + [(f"b{i}", (o,)) for i, o in enumerate([16, 16, 32, 32, 64, 64], start=1)]
    + [("W7", (1024, 50)), ("b7", (50,)), ("W8", (50, 10)), ("b8", (10,))])


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_load_book_params_simple_convnet(tmp_path, protocol):
    params = book_params(SIMPLE_SHAPES)
    path = write_pickle(tmp_path / "params.pkl", params, protocol)
    x = np.random.default_rng(1).standard_normal((3, 1, 28, 28))
    model = models.SimpleConvNet().double()
    assert models.load_book_params(model, path) is model
    np.testing.assert_array_equal(model.fc1.weight.data, params["W2"].T)
    np.testing.assert_allclose(model.eval()(tb.Tensor(x)).data, simple_convnet_book(params, x),
                               rtol=1e-10, atol=1e-12)


def test_load_book_params_deep_convnet_converts_dropout_scaling(tmp_path):
    params = book_params(DEEP_SHAPES, seed=3)
    path = write_pickle(tmp_path / "deep_convnet_params.pkl", params)
    x = np.random.default_rng(4).standard_normal((2, 1, 28, 28))
    model = models.load_book_params(models.DeepConvNet().double(), path).eval()
    np.testing.assert_allclose(model(tb.Tensor(x)).data, deep_convnet_book(params, x),
                               rtol=1e-10, atol=1e-12)
    # float32 models take the book's float64 arrays too.
    model32 = models.load_book_params(models.DeepConvNet(), path).eval()
    assert model32.fc2.weight.dtype == np.float32
    np.testing.assert_allclose(model32(tb.Tensor(x.astype(np.float32))).data,
                               deep_convnet_book(params, x), rtol=1e-4, atol=1e-5)


def test_load_book_params_mlp_with_dropout(tmp_path):
    shapes = {"W1": (784, 30), "b1": (30,), "W2": (30, 20), "b2": (20,), "W3": (20, 10),
              "b3": (10,)}
    params = book_params(shapes, seed=5)
    path = write_pickle(tmp_path / "mlp.pkl", params)
    model = models.MLP(784, [30, 20], 10, use_dropout=True, dropout_ratio=0.2).double()
    models.load_book_params(model, path)
    x = np.random.default_rng(6).standard_normal((4, 784))
    np.testing.assert_allclose(model.eval()(tb.Tensor(x)).data, mlp_book(params, x, 3, 0.2),
                               rtol=1e-10, atol=1e-12)
    bn_model = models.MLP(784, [30, 20], 10, use_batchnorm=True)
    bn_params = dict(params, gamma1=np.ones(30), beta1=np.zeros(30), gamma2=np.ones(20),
                     beta2=np.zeros(20))
    with pytest.warns(UserWarning, match="no BatchNorm running statistics"):
        models.load_book_params(bn_model, write_pickle(tmp_path / "bn.pkl", bn_params))


def test_load_book_params_mismatch_changes_nothing(tmp_path):
    model = models.SimpleConvNet()
    before = model.state_dict()
    params = book_params(SIMPLE_SHAPES)
    params["W2"] = params["W2"].T            # saved the wrong way round
    with pytest.raises(ValueError, match=r"'W2' has shape \(100, 4320\), but "
                                         r"SimpleConvNet.fc1.weight needs \(4320, 100\)"):
        models.load_book_params(model, write_pickle(tmp_path / "a.pkl", params))
    del params["W3"]
    params["W9"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing \['W3'\], unexpected \['W9'\]"):
        models.load_book_params(model, write_pickle(tmp_path / "b.pkl", params))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    with pytest.raises(TypeError, match="supports SimpleConvNet, DeepConvNet and MLP"):
        models.load_book_params(models.LeNet5(), tmp_path / "a.pkl")
    with pytest.raises(ValueError, match="entry 'W1' is a list"):
        models.load_book_params(model, write_pickle(tmp_path / "c.pkl", {"W1": [1.0]}))


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    path = write_pickle(tmp_path / "params.pkl", {"W1": _Exploit(marker)}, protocol=2)
    with pytest.raises(pickle.UnpicklingError,
                       match=r"refusing to load global '(posix|os|nt)\.system'"):
        models.load_book_params(models.SimpleConvNet(), path)
    assert not marker.exists()
    # The same pickle really would have run the command: the refusal is what stopped it.
    with open(path, "rb") as f:
        pickle.load(f)
    assert marker.exists()


def test_truncated_pickle_names_the_file(tmp_path):
    path = write_pickle(tmp_path / "params.pkl", book_params(SIMPLE_SHAPES))
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises((pickle.UnpicklingError, ValueError), match="params.pkl"):
        models.read_book_params(path)
