"""viz.explore without a browser: the recorded pass, what it leaves untouched, the page's text.

The page's behaviour in a real browser is tested in test_explore_browser.py.
"""
import json
import re
import shutil

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import engine, nn
from tinygrad_book.nn import functional as F
from tinygrad_book.viz import DotNotFoundError, explore
from tinygrad_book.viz import explorer as explore_module
from tinygrad_book.viz.export import MAX_LISTED, values
from tinygrad_book.viz.record import record_backward

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` is not installed (CI installs it)")


def mlp_loss(seed=0):
    tb.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = tb.randn(5, 4)
    loss = F.cross_entropy(model(x), tb.Tensor(np.array([0, 1, 1, 0, 1])))
    return model, loss


def page_data(page):
    text = re.search(r'<script type="application/json" id="tb-data">(.*?)</script>',
                     page.html(), re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


def engine_order(loss):
    """The nodes the engine processes, in its order, during a plain backward."""
    seen = []
    with engine.observe(lambda node, *grads: seen.append(node)):
        tb.grad(loss, [p for p in _leaves(loss)], retain_graph=True, allow_unused=True)
    return seen


def _leaves(loss):
    from tinygrad_book.viz.graph import ops_breadth_first
    return [e[0] for n in ops_breadth_first([loss]) for e in n.next if e and e[1] is None]


def test_recording_follows_the_engine_and_matches_grad():
    model, loss = mlp_loss()
    rec = record_backward([loss])
    assert [s.node for s in rec.steps] == engine_order(loss)
    params = list(model.parameters())
    expected = tb.grad(loss, params, retain_graph=True)
    for p, g in zip(params, expected, strict=True):
        np.testing.assert_allclose(rec.leaf_grads[id(p)][1], g.data, rtol=1e-6)


def test_flows_sum_to_each_leafs_gradient_across_uses():
    w = tb.randn(3, requires_grad=True)
    loss = (w * w).sum() + (w * 2.0).sum()     # w is used three times
    rec = record_backward([loss])
    into_w = [g for s in rec.steps for e, g in zip(s.node.next, s.grads_in, strict=True)
              if e is not None and e[0] is w]
    assert len(into_w) == 3
    np.testing.assert_allclose(sum(into_w), tb.grad(loss, [w], retain_graph=True)[0].data,
                               rtol=1e-6)


@needs_dot
def test_explore_leaves_grads_retained_grads_and_hooks_alone():
    model, _ = mlp_loss()
    x = tb.randn(5, 4)
    h = model[0](x)
    h.retain_grad()
    calls = []
    h.register_hook(lambda g: calls.append("h"))
    w = model[0].weight
    w.register_hook(lambda g: calls.append("w"))
    loss = model[2](model[1](h)).sum()
    model[2].bias.grad = tb.ones(2)        # an earlier, un-zeroed gradient
    explore(loss, params=dict(model.named_parameters()))
    assert w.grad is None and h.grad is None and calls == []
    np.testing.assert_array_equal(model[2].bias.grad.data, np.ones(2))
    explore(loss, run_hooks=True)
    assert sorted(calls) == ["h", "w"] and w.grad is None and h.grad is None
    loss.backward()                        # the graph was kept: a real backward still works
    assert w.grad is not None and h.grad is not None


def test_a_freed_graph_says_how_to_keep_it():
    _, loss = mlp_loss()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True.*build the graph again"):
        record_backward([loss])


def test_outputs_with_many_elements_need_grad_outputs():
    w = tb.randn(3, requires_grad=True)
    y = w * 2.0
    with pytest.raises(ValueError, match="grad_outputs"):
        record_backward([y])
    rec = record_backward([y], grad_outputs=[tb.ones(3)])
    np.testing.assert_allclose(rec.leaf_grads[id(w)][1], np.full(3, 2.0))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        record_backward([y], grad_outputs=[tb.ones(2)])
    with pytest.raises(RuntimeError, match="no output requires grad"):
        record_backward([tb.ones(2, 2)])
    rec = record_backward([y.sum(), tb.ones(2, 2)])     # an output without a graph is drawn only
    np.testing.assert_allclose(rec.leaf_grads[id(w)][1], np.full(3, 2.0))


def test_values_list_small_tensors_and_summarise_big_ones():
    small = values(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert small == {"shape": [2, 3], "dtype": "float32", "values": [[0, 1, 2], [3, 4, 5]]}
    big = values(np.r_[np.linspace(-1, 1, MAX_LISTED), np.nan])
    assert "values" not in big and big["stats"]["nonfinite"] == 1
    assert big["stats"]["min"] == -1 and sum(big["hist"]["counts"]) == MAX_LISTED
    assert values(np.array([np.inf, np.nan]))["values"] == ["inf", "nan"]
    json.dumps(big, allow_nan=False)


@needs_dot
def test_page_is_self_contained_and_holds_the_recorded_pass(tmp_path):
    model, loss = mlp_loss()
    page = explore(loss, params=dict(model.named_parameters()))
    text = page.html()
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert not re.search(r"""(src|href)=["'](?!data:)""", text)
    assert "<svg" in text and "legend" in text
    data = page_data(page)
    ops = [n["id"] for n in data["nodes"] if n["kind"] == "op"]
    assert sorted(page.order) == sorted(ops) and len(page.order) == 4
    linear = next(n for n in data["nodes"] if n["kind"] == "op" and n["module_path"] == "2")
    assert "dL/dW" in linear["derivative"]     # the Function's docstring
    path = page.save(tmp_path / "sub" / "page")
    assert path.endswith("page.html") and open(path, encoding="utf-8").read() == text
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"&lt;!DOCTYPE html&gt;") and "<script" not in frame


@needs_dot
def test_intermediate_values_come_from_what_ops_saved():
    x = tb.Tensor([0.0, -1.0, 1.0], requires_grad=True, dtype=np.float64)
    y = (x * 2.0).exp()                    # exp saves its output
    data = page_data(explore(y.sum()))
    tensors = [n["data"] and n["data"]["values"] for n in data["nodes"] if n["kind"] == "tensor"]
    assert np.exp([0.0, -2.0, 2.0]).tolist() in tensors
    assert None in tensors                 # x * 2 itself was not kept by any op


@needs_dot
def test_big_graphs_open_on_a_simplified_view():
    x = tb.randn(3, requires_grad=True)
    y = x
    for _ in range(200):
        y = y * 1.01
    data = page_data(explore(y.sum()))
    assert data["start"] == "ops" and len(data["steps"]) == 201
    with_modules = page_data(explore(mlp_loss()[1], collapse_modules=True))
    assert with_modules["start"] == "modules"


def test_without_dot_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(explore_module.shutil, "which", lambda name: None)
    with pytest.raises(DotNotFoundError, match="apt-get install graphviz"):
        explore(mlp_loss()[1])


def test_bad_options_are_named():
    _, loss = mlp_loss()
    with pytest.raises(TypeError, match="show_grads"):
        explore(loss, show_grads=True)
    with pytest.raises(ValueError, match="rankdir"):
        explore(loss, rankdir="up")
    with pytest.raises(TypeError, match="output 0"):
        explore(np.ones(3))
    with pytest.raises(TypeError, match="title must be a str"):
        explore(loss, title=3)
    frame = explore(loss, title='a "quoted" <b>title</b>')._repr_html_()
    assert 'title="a &quot;quoted&quot; &lt;b&gt;title&lt;/b&gt;"' in frame


@needs_dot
def test_op_details_show_the_call_site_and_the_local_derivative(cube):
    x = tb.Tensor([1.0, 2.0], requires_grad=True)
    with tb.detect_anomaly():
        y = cube.apply(x).sum()            # the call site the page shows
    ops = {n["op"]: n for n in page_data(explore(y))["nodes"] if n["kind"] == "op"}
    assert ops["Cube"]["derivative"] == "d(x^3)/dx = 3 x^2"
    assert "test_explore.py" in ops["Cube"]["site"] and "cube.apply(x)" in ops["Cube"]["site"]
    assert ops["Sum"]["derivative"]        # the Function's docstring
    outside = page_data(explore(cube.apply(x).sum()))["nodes"]
    assert [n["site"] for n in outside if n["kind"] == "op"] == [None, None]
