"""Memory: a training step leaves no graph behind, long training keeps RSS flat, and
inference under no_grad records nothing."""
import json
import os
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import autograd, nn, optim
from tinygrad_book.autograd import Context
from tinygrad_book.models import SimpleConvNet

pytestmark = pytest.mark.reliability


@pytest.fixture
def graph_recorder(monkeypatch):
    """Weak references to every node recorded, every array it saved and every array an op
    produced while the fixture is active: {'nodes': [...], 'arrays': [...]}."""
    seen = {"nodes": [], "arrays": []}
    save = Context.save_for_backward
    record = autograd._record_outputs

    def save_for_backward(ctx, *values):
        seen["arrays"].extend(_weak_arrays(values))
        return save(ctx, *values)

    def record_outputs(ctx, args, raw, produced, results, kwargs):
        seen["nodes"].append(weakref.ref(ctx))
        outs = record(ctx, args, raw, produced, results, kwargs)
        seen["arrays"].extend(_weak_arrays([t.data for t in outs]))
        return outs

    record_one = autograd._record_output

    def record_output(ctx, args, raw, result, kwargs):  # a forward that returned one array
        seen["nodes"].append(weakref.ref(ctx))
        out = record_one(ctx, args, raw, result, kwargs)
        seen["arrays"].extend(_weak_arrays([out.data]))
        return out

    monkeypatch.setattr(Context, "save_for_backward", save_for_backward)
    monkeypatch.setattr(autograd, "_record_outputs", record_outputs)
    monkeypatch.setattr(autograd, "_record_output", record_output)
    return seen


def _weak_arrays(values):
    refs = []
    for v in values:
        if isinstance(v, tb.Tensor):
            v = v.data
        if isinstance(v, np.ndarray):
            refs.append((weakref.ref(v), id(v)))
    return refs


def _alive(refs, keep):
    """Arrays still alive that are not one of ``keep`` (parameters, inputs, results)."""
    kept = {id(a) for a in keep}
    return [ref() for ref, i in refs if ref() is not None and i not in kept]


def test_a_training_step_leaves_no_array_of_its_graph_alive(graph_recorder, gc_disabled):
    tb.manual_seed(0)
    model = SimpleConvNet(input_dim=(1, 12, 12), conv_param={"filter_num": 4, "filter_size": 3},
                          hidden_size=16)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, t = tb.randn(6, 1, 12, 12), tb.tensor([0, 1, 2, 3, 4, 5])
    keep = [p.data for p in model.parameters()] + [x.data, t.data]

    loss = F.cross_entropy(model(x), t)
    assert len(graph_recorder["nodes"]) >= 8 and len(graph_recorder["arrays"]) >= 16
    loss.backward()
    # Saved arrays and intermediate outputs are gone at once; only the loss's own value stays.
    assert _alive(graph_recorder["arrays"], keep + [loss.data]) == []
    opt.step()
    del loss
    assert _alive(graph_recorder["arrays"], keep) == []
    assert [n for n in graph_recorder["nodes"] if n() is not None] == []
    assert all(p.grad is not None and p.grad.grad_fn is None for p in model.parameters())


def test_dropping_the_loss_without_backward_frees_the_graph(graph_recorder, gc_disabled):
    tb.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.5), nn.Linear(3 * 3 * 3, 4))
    x = tb.randn(5, 1, 8, 8)
    keep = [p.data for p in model.parameters()] + [b.data for b in model.buffers()] + [x.data]
    loss = F.cross_entropy(model(x), tb.tensor([0, 1, 2, 3, 0]))
    assert _alive(graph_recorder["arrays"], keep) != []
    del loss  # e.g. an evaluation loss computed with grad mode left on
    assert _alive(graph_recorder["arrays"], keep) == []
    assert [n for n in graph_recorder["nodes"] if n() is not None] == []


def test_no_grad_inference_records_nothing(graph_recorder, gc_disabled):
    tb.manual_seed(0)
    model = SimpleConvNet(input_dim=(1, 10, 10), conv_param={"filter_num": 3, "filter_size": 3},
                          hidden_size=8)
    bn = nn.BatchNorm1d(10).eval()
    x = tb.randn(4, 1, 10, 10)
    activations = []
    for layer in model.children():
        layer.register_forward_hook(lambda m, args, out: activations.append(weakref.ref(out.data)))
    with tb.no_grad():
        scores = F.softmax(F.dropout(bn(model(x)), 0.3, training=False), dim=1)
    assert graph_recorder["nodes"] == []  # no node recorded...
    assert scores.grad_fn is None and not scores.requires_grad
    assert all(p.grad is None for p in model.parameters())
    # ...so what forward passes offered to save is dropped with them, and every intermediate
    # activation is already freed: only the result and the model's own arrays are held.
    keep = [p.data for p in model.parameters()] + [b.data for b in bn.buffers()] + [x.data]
    assert _alive(graph_recorder["arrays"], keep + [scores.data]) == []
    assert [r for r in activations if r() is not None and r() is not scores.data] == []


RSS_SCRIPT = textwrap.dedent("""
    import gc, json
    import numpy as np
    import tinygrad_book as tb
    import tinygrad_book.nn.functional as F
    from tinygrad_book import optim
    from tinygrad_book.models import SimpleConvNet

    def rss_kib():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    tb.manual_seed(0)
    model = SimpleConvNet()                      # the book's: 30 5x5 filters on 28x28 digits
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    batches = [(tb.tensor(rng.standard_normal((20, 1, 28, 28)).astype(np.float32)),
                tb.tensor(rng.integers(0, 10, 20))) for _ in range(5)]
    marks = {}
    for step in range(1, 201):
        x, t = batches[step % 5]
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        if step in (20, 200):
            marks[step] = {"rss_kib": rss_kib(), "objects": len(gc.get_objects())}
    print(json.dumps(marks))
""")


def test_200_training_steps_keep_rss_flat():
    """In a fresh process (one BLAS thread, so the time does not depend on the machine's
    load): after warm-up at step 20, RSS and the number of live Python objects must not
    grow by step 200 — a per-step leak of one graph, one array or one object would show."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    run = subprocess.run([sys.executable, "-c", RSS_SCRIPT], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    marks = json.loads(run.stdout)
    early, late = marks["20"], marks["200"]
    growth = (late["rss_kib"] - early["rss_kib"]) / early["rss_kib"]
    assert growth < 0.05, marks
    assert late["objects"] - early["objects"] < 50, marks
