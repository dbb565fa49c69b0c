"""Fixed costs: the graph's own work per op, and the optimizer's per-step work.

* Graph overhead: a chain of small elementwise ops (× w, + 0.5, tanh, repeated)
  on 16-element tensors, then ``sum().backward()``. The arrays are so small
  that the time is the framework's bookkeeping: recording a node, running
  its backward, accumulating gradients. Reported in µs per op, forward and
  backward together, at 300 ops and at ``--graph-ops`` (10,000 by default):
  the cost per op should not grow with the graph.
* ``Adam.step()`` on the parameters of SimpleConvNet and DeepConvNet, with
  fixed gradients, against ``torch.optim.Adam`` with ``foreach=False`` (one
  parameter at a time, as here) and ``foreach=True`` (fused multi-tensor ops).
"""
import numpy as np

from .workload import Target, Workload
from .workloads_models import tb_model

_CHAIN_WIDTH = 16
_SHORT_CHAIN = 300


def _chain_arrays():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(_CHAIN_WIDTH, dtype=np.float32)
    w = rng.uniform(0.9, 1.1, _CHAIN_WIDTH).astype(np.float32)
    return x, w


def _chain(x, w, n_ops):
    """Apply ``n_ops`` ops to x, cycling through × w, + 0.5, tanh; works on either framework."""
    y = x
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            y = y * w
        elif kind == 1:
            y = y + 0.5
        else:
            y = y.tanh()
    return y


def _graph_tb(n_ops=None):
    def build(settings):
        import tinygrad_book as tb

        x, w = (tb.Tensor(a, requires_grad=True) for a in _chain_arrays())
        length = n_ops or settings.graph_ops

        def run():
            x.grad = w.grad = None
            _chain(x, w, length).sum().backward()

        return run

    return build


def _graph_torch(n_ops=None):
    def build(settings, torch):
        x, w = (torch.from_numpy(a).requires_grad_(True) for a in _chain_arrays())
        length = n_ops or settings.graph_ops

        def run():
            x.grad = w.grad = None
            _chain(x, w, length).sum().backward()

        return {None: run}

    return build


def _grads(model):
    rng = np.random.default_rng(4)
    return [rng.standard_normal(p.shape, dtype=np.float32) for p in model.parameters()]


def _adam_tb(name):
    def build(settings):
        import tinygrad_book as tb
        from tinygrad_book import optim

        model = tb_model(name)
        params = list(model.parameters())
        for p, g in zip(params, _grads(model), strict=True):
            p.grad = tb.Tensor(g)
        return optim.Adam(params).step

    return build


def _adam_torch(name):
    def build(settings, torch):
        model = tb_model(name)
        grads = _grads(model)
        variants = {}
        for foreach in (False, True):
            params = [torch.from_numpy(np.array(p.data, copy=True)).requires_grad_(True)
                      for p in model.parameters()]
            for p, g in zip(params, grads, strict=True):
                p.grad = torch.from_numpy(g.copy())
            variants[f"foreach={foreach}"] = torch.optim.Adam(params, foreach=foreach).step
        return variants

    return build


def workloads():
    # Per op at or below PyTorch's, at both lengths (core issue).
    short = Workload(
        name="graph_overhead_300", label="graph: chain of ×w, +c, tanh fwd+bwd, 300 ops",
        group="overhead", build_tb=_graph_tb(_SHORT_CHAIN), build_torch=_graph_torch(_SHORT_CHAIN),
        unit="us/op", per_call=lambda s: _SHORT_CHAIN, target=Target("ratio", "<=", 1.0))
    chain = Workload(
        name="graph_overhead", label="graph: chain of ×w, +c, tanh fwd+bwd, --graph-ops ops",
        group="overhead", build_tb=_graph_tb(), build_torch=_graph_torch(), unit="us/op",
        per_call=lambda s: s.graph_ops, target=Target("ratio", "<=", 1.0))
    adams = [Workload(name=f"adam_step.{name}", label=f"Adam.step() {label}", group="overhead",
                      build_tb=_adam_tb(name), build_torch=_adam_torch(name))
             for name, label in (("simple_convnet", "SimpleConvNet"),
                                 ("deep_convnet", "DeepConvNet"))]
    return [short, chain] + adams
