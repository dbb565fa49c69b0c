"""Whole networks: a training step (forward, cross-entropy, backward, optimizer step)
and inference (``no_grad``, eval mode) of the book's models on MNIST-sized batches."""
import numpy as np

from .gemm import model_products
from .mirror import torch_twin
from .workload import Target, Workload

# name -> (label, model factory, optimizer: ('adam', {}) or ('sgd', {'lr': ...}))
MODELS = {
    "simple_convnet": ("SimpleConvNet", lambda m: m.SimpleConvNet(), ("adam", {})),
    "deep_convnet": ("DeepConvNet", lambda m: m.DeepConvNet(), ("adam", {})),
    # The book's chapter 6.3 experiment: 5 hidden layers of 100, SGD lr 0.01.
    "mlp5": ("MLP 784-100×5-10", lambda m: m.MLP(784, [100] * 5, 10), ("sgd", {"lr": 0.01})),
    "mlp5_bn": ("MLP 784-100×5-10 + BatchNorm",
                lambda m: m.MLP(784, [100] * 5, 10, use_batchnorm=True), ("sgd", {"lr": 0.01})),
}


def batch(settings):
    """A fixed (N, 1, 28, 28) float32 batch of MNIST-shaped noise and its int64 labels."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((settings.batch_size, 1, 28, 28), dtype=np.float32)
    return x, rng.integers(0, 10, settings.batch_size)


def tb_model(name):
    import tinygrad_book as tb
    from tinygrad_book import models

    tb.manual_seed(0)
    return MODELS[name][1](models)


def _tb_optimizer(name, params):
    from tinygrad_book import optim

    kind, kwargs = MODELS[name][2]
    return optim.Adam(params, **kwargs) if kind == "adam" else optim.SGD(params, **kwargs)


def _torch_optimizer(name, params, torch):
    kind, kwargs = MODELS[name][2]
    optimizer = torch.optim.Adam if kind == "adam" else torch.optim.SGD
    return optimizer(params, **kwargs)


def tb_train_step(name, settings):
    """One training step of model ``name`` in tinygrad_book, as a zero-argument callable."""
    import tinygrad_book as tb
    import tinygrad_book.nn.functional as F

    model = tb_model(name)
    opt = _tb_optimizer(name, model.parameters())
    x, t = batch(settings)
    x, t = tb.Tensor(x), tb.Tensor(t)

    def step():
        loss = F.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def _torch_train_step(name, settings, torch):
    model = torch_twin(tb_model(name), torch)
    opt = _torch_optimizer(name, model.parameters(), torch)
    x, t = (torch.from_numpy(a) for a in batch(settings))
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        loss = cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return {None: step}


def _tb_inference(name, settings):
    import tinygrad_book as tb

    model = tb_model(name).eval()
    x = tb.Tensor(batch(settings)[0])

    def infer():
        with tb.no_grad():
            model(x)

    return infer


def _torch_inference(name, settings, torch):
    model = torch_twin(tb_model(name), torch).eval()
    x = torch.from_numpy(batch(settings)[0])

    def infer():
        with torch.no_grad():
            model(x)

    return {None: infer}


def _products(name, train):
    def products(settings):
        import tinygrad_book as tb

        return model_products(tb_model(name), tb.Tensor(batch(settings)[0]), train)

    return products


def _train(name, target=None):
    label = MODELS[name][0]
    return Workload(
        name=f"{name}.train", label=f"{label} train step", group="models",
        build_tb=lambda s: tb_train_step(name, s),
        build_torch=lambda s, torch: _torch_train_step(name, s, torch),
        products=_products(name, True), target=target)


def _infer(name, target=None):
    label = MODELS[name][0]
    return Workload(
        name=f"{name}.infer", label=f"{label} inference", group="models",
        build_tb=lambda s: _tb_inference(name, s),
        build_torch=lambda s, torch: _torch_inference(name, s, torch),
        products=_products(name, False), target=target)


def workloads():
    """The book's networks, with the targets of the performance issue (judged at one thread)."""
    at_most = lambda ratio: Target("ratio", "<=", ratio)   # noqa: E731
    return [
        _train("simple_convnet", at_most(0.8)),
        _train("deep_convnet", (at_most(1.0), Target("gemm_fraction", ">=", 0.75))),
        _infer("simple_convnet", at_most(0.8)),
        _infer("deep_convnet", at_most(1.0)),
        _train("mlp5", at_most(1.0)),
        _train("mlp5_bn", at_most(1.0)),
    ]
