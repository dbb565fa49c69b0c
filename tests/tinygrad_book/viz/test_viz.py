"""Graph rendering: DOT text of real graphs, the simplified views, and the `dot` binary."""
import re
import shutil
import time
from collections import Counter

import graphviz
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import Function, Tensor
from tinygrad_book.autograd import module_scope
from tinygrad_book.viz import DotNotFoundError, draw_graph, render_graph, tensor_svg, to_dot
from tinygrad_book.viz import render as viz_render

NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\]$', re.M)
EDGE = re.compile(r'^\s*(n\d+) -> (n\d+)(?: \[(.*)\])?$', re.M)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` is not installed (CI installs it)")


def nodes(dot):
    """``{node id: label}``; labels keep DOT's ``\\n`` line separators as the two characters."""
    return {m.group(1): m.group(2) for m in NODE.finditer(dot)}


def node_attrs(dot):
    return {m.group(1): m.group(3) for m in NODE.finditer(dot)}


def edges(dot):
    return [(m.group(1), m.group(2), m.group(3) or "") for m in EDGE.finditer(dot)]


def first_line(label):
    return label.split("\\n")[0]


def cluster_contents(dot):
    """``{cluster label: ids of the nodes drawn inside it (nested clusters included)}``."""
    out, stack = {}, []
    lines = dot.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*subgraph cluster_\w+ \{", line):
            label = re.search(r'\blabel=("(?:[^"\\]|\\.)*"|\S+)', lines[i + 1]).group(1)
            stack.append(label.strip('"'))
            out[stack[-1]] = set()
        elif line.strip() == "{":
            stack.append(None)     # an anonymous subgraph (the legend's row)
        elif line.strip() == "}" and stack:
            stack.pop()
        else:
            m = NODE.match(line)
            for label in stack:
                if m and label is not None:
                    out[label].add(m.group(1))
    return out


def mlp(seed=0):
    """A 3-5-2 MLP on a batch of 4, ops tagged like nn.Module would; returns (loss, params)."""
    tb.manual_seed(seed)
    x = tb.randn(4, 3)
    w1 = tb.randn(3, 5, requires_grad=True)
    b1 = tb.zeros(5, requires_grad=True)
    w2 = tb.randn(5, 2, requires_grad=True)
    b2 = tb.zeros(2, requires_grad=True)
    with module_scope("fc1"):
        h = x @ w1 + b1
    with module_scope("act"):
        h = h.relu()
    with module_scope("fc2"):
        y = h @ w2 + b2
    loss = (y ** 2).mean()
    params = {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}
    return loss, params


def test_package_exposes_the_renderer():
    assert tb.draw_graph is draw_graph and tb.to_dot is to_dot
    assert isinstance(tb.draw_graph(Tensor([1.0], requires_grad=True).exp()), graphviz.Digraph)


# -- the full view --------------------------------------------------------------------------

def test_mlp_graph_has_each_op_parameter_and_tensor():
    loss, params = mlp()
    dot = to_dot(loss, params=params)
    labels = nodes(dot)
    ops = Counter(first_line(lab) for lab in labels.values()
                  if first_line(lab) in ("MatMul", "Add", "ReLU", "Pow", "Mean"))
    assert ops == {"MatMul": 2, "Add": 2, "ReLU": 1, "Pow": 1, "Mean": 1}
    assert "Mean\\naxis=(0, 1)" in labels.values()
    for text in ("fc1.weight\\n(3, 5) float32", "fc1.bias\\n(5,) float32",
                 "fc2.weight\\n(5, 2) float32", "fc2.bias\\n(2,) float32", "output\\n() float32"):
        assert text in labels.values()
    # 7 ops + 6 intermediate results + 1 output + 4 parameters + the input x (no grad).
    assert len(labels) == 19
    assert "input\\n(4, 3) float32\\nno grad" in labels.values()
    # 7 op -> result edges, 6 result -> next op edges, 4 parameter -> op edges, x -> MatMul.
    assert len(edges(dot)) == 18
    assert Counter(labels.values())["(4, 5) float32"] == 3


def test_edges_run_from_parameters_through_ops_to_the_output():
    loss, params = mlp()
    dot = to_dot(loss, params=params)
    labels = nodes(dot)
    by_label = {lab: i for i, lab in labels.items()}
    targets = {labels[d] for s, d, _ in edges(dot) if s == by_label["fc1.weight\\n(3, 5) float32"]}
    assert targets == {"MatMul"}
    into_output = [labels[s] for s, d, _ in edges(dot) if d == by_label["output\\n() float32"]]
    assert into_output == ["Mean\\naxis=(0, 1)"]


def test_roles_have_their_own_colour_shape_and_legend_entry():
    loss, params = mlp()
    dot = to_dot(loss, params=params)
    attrs, labels = node_attrs(dot), nodes(dot)
    weight = next(i for i, lab in labels.items() if lab.startswith("fc1.weight"))
    mean = next(i for i, lab in labels.items() if lab.startswith("Mean"))
    out = next(i for i, lab in labels.items() if lab.startswith("output"))
    assert 'shape="box"' in attrs[weight] and 'fillcolor="#9ecae1"' in attrs[weight]
    assert 'shape="ellipse"' in attrs[mean]
    assert 'peripheries="2"' in attrs[out]
    legend = dot[dot.index("subgraph cluster_legend"):]
    for entry in ("legend_parameter", "legend_input", "legend_op", "legend_tensor",
                  "legend_output"):
        assert entry in legend
    # Only roles that occur are explained: no saved tensors in this graph.
    assert "legend_saved" not in dot


def test_leaves_outside_params_are_inputs_and_names_come_from_tensors():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    w = Tensor([0.5, -1.0], requires_grad=True)
    h = x * w
    h.name = "h"
    out = h.sum()
    dot = to_dot(out, params={"w": w})
    labels, attrs = nodes(dot), node_attrs(dot)
    x_id = next(i for i, lab in labels.items() if lab == "x\\n(2,) float32")
    assert 'shape="parallelogram"' in attrs[x_id]
    assert "w\\n(2,) float32" in labels.values()
    assert "h\\n(2,) float32" in labels.values()          # ctx.output_names via tensor.name
    assert "legend_input" in dot
    unnamed = to_dot(Tensor([1.0], requires_grad=True).exp())
    assert "input\\n(1,) float32" in nodes(unnamed).values()


def test_op_attributes_are_printed_on_the_op():
    class Conv(Function):
        @staticmethod
        def forward(ctx, x, stride=1, padding=0, bias=False):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    y = Conv.apply(Tensor([1.0, 2.0], requires_grad=True), stride=2, padding=(1, 1), bias=False)
    # False (and None) attributes are defaults not worth a line; the rest are shown.
    assert "Conv\\nstride=2 padding=(1, 1)" in nodes(to_dot(y)).values()


def test_any_attribute_a_user_stores_stays_on_one_short_line():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.attrs = {"table": np.ones((3, 3)), "note": "a\nlong " + "x" * 60}
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    y = Scale.apply(Tensor([1.0], requires_grad=True, name=7))
    labels = nodes(to_dot(y))
    assert "Scale\\ntable=array(3, 3) note=a long " + "x" * 30 + "..." in labels.values()
    assert "7\\n(1,) float32" in labels.values()


def test_graphs_recorded_by_create_graph_render_too():
    x = Tensor([0.5, -1.0], requires_grad=True, name="x")
    (g,) = tb.grad(x.tanh().sum(), x, create_graph=True)
    ops = {first_line(lab) for lab in nodes(to_dot(g)).values()}
    assert "Tanh" in ops and "x" in ops and len(ops) > 3


def test_rendering_twice_and_rebuilding_give_identical_dot():
    loss, params = mlp()
    first = to_dot(loss, params=params, group_by_module=True, show_saved=True)
    assert to_dot(loss, params=params, group_by_module=True, show_saved=True) == first
    loss2, params2 = mlp()   # new objects, new id()s: the text must not depend on them
    assert to_dot(loss2, params=params2, group_by_module=True, show_saved=True) == first
    assert re.findall(r"\bn\d+\b", first)[:3] == ["n0", "n1", "n2"]


def test_rankdir_and_show_shapes():
    loss, params = mlp()
    assert "rankdir=LR" in to_dot(loss, params=params, rankdir="LR")
    dot = to_dot(loss, params=params, show_shapes=False)
    labels = nodes(dot)
    assert "fc1.weight" in labels.values()
    assert not any("float32" in lab for lab in labels.values())
    # Unnamed intermediates with nothing to say shrink to points on the wire.
    assert sum('shape="point"' in a for a in node_attrs(dot).values()) == 6


def test_several_outputs_are_numbered_and_deduplicated():
    a = Tensor([1.0, 2.0], requires_grad=True)
    h = a.exp()
    s = h.sum()
    labels = nodes(to_dot(s, h, s))
    assert "output 0\\n() float32" in labels.values()
    assert "output 1\\n(2,) float32" in labels.values()
    assert sum(first_line(lab) == "Exp" for lab in labels.values()) == 1


def test_tensor_without_graph_is_drawn_alone_with_a_note():
    labels = nodes(to_dot(Tensor([1.0, 2.0])))
    assert list(labels.values()) == [
        "output\\n(2,) float32\\nrequires_grad=False: no graph recorded"]


def test_user_text_cannot_break_the_dot_syntax():
    w = Tensor([1.0], requires_grad=True, name='w"\\n<b>')
    dot = to_dot(w.exp())
    assert 'label="w\\"\\\\n<b>\\n(1,) float32"' in dot


# -- show_values / show_saved -----------------------------------------------------------------

def test_show_values_prints_data_and_grad_micrograd_style():
    a = Tensor(2.0, requires_grad=True, name="a")
    b = Tensor(-3.0, requires_grad=True, name="b")
    e = a * b
    e.retain_grad()
    out = e + a
    out.backward()
    labels = set(nodes(to_dot(out, show_values=True)).values())
    assert "a\\n() float32\\ndata 2 | grad -2" in labels      # d(ab + a)/da = b + 1
    assert "b\\n() float32\\ndata -3 | grad 2" in labels
    assert "() float32\\ndata -6 | grad 1" in labels          # kept by retain_grad()
    assert "output\\n() float32\\ndata -4 | grad None" in labels  # non-leaf: no .grad
    # More than 6 elements: too many to read, so no values.
    big = Tensor(np.arange(7.0), requires_grad=True, name="big")
    labels = nodes(to_dot(big.sum(), show_values=True)).values()
    assert "big\\n(7,) float64" in labels
    assert "output\\n() float64\\ndata 21 | grad None" in labels


def test_show_values_puts_vectors_on_two_lines_with_four_significant_digits():
    w = Tensor([0.123456, -1.0], requires_grad=True, name="w")
    assert "w\\n(2,) float32\\ndata [0.1235, -1]\\ngrad None" in \
        nodes(to_dot(w.exp().sum(), show_values=True)).values()


def test_show_saved_draws_what_backward_keeps_and_notes_when_freed():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = Tensor([3.0, 4.0], requires_grad=True, name="b")
    s = (a * b).sigmoid()
    out = s.sum()
    dot = to_dot(out, show_saved=True)
    labels = nodes(dot)
    saved = sorted(lab for lab in labels.values() if lab.startswith("saved"))
    assert saved == ["saved a\\n(2,) float32", "saved b\\n(2,) float32",
                     "saved output\\n(2,) float32"]
    mul = next(i for i, lab in labels.items() if lab == "Mul")
    saved_into_mul = [e for e in edges(dot) if e[1] == mul and 'style="dashed"' in e[2]]
    assert len(saved_into_mul) == 2
    assert "legend_saved" in dot
    assert to_dot(out).count("saved") == 0

    out.backward()
    after = nodes(to_dot(out, show_saved=True))
    assert not any(lab.startswith("saved") for lab in after.values())
    assert "Mul\\nsaved tensors freed by backward()" in after.values()


# -- simplified views ------------------------------------------------------------------------

def test_ops_only_keeps_ops_and_labels_edges_with_shapes():
    loss, params = mlp()
    dot = to_dot(loss, params=params, ops_only=True)
    labels = nodes(dot)
    assert Counter(first_line(lab) for lab in labels.values()) == {
        "MatMul": 2, "Add": 2, "ReLU": 1, "Pow": 1, "Mean": 1, "output": 1}
    # Leaves are listed on the op that uses them instead of drawn.
    assert "MatMul\\n+ fc1.weight (3, 5)\\n+ input (4, 3)" in labels.values()
    assert "Add\\n+ fc2.bias (2,)" in labels.values()
    unnamed = nodes(to_dot(loss, ops_only=True, show_shapes=False)).values()
    assert "MatMul\\n+ input" in unnamed
    edge_labels = Counter(re.search(r'label="([^"]*)"', a).group(1) for _, _, a in edges(dot)
                          if "label" in a)
    assert edge_labels == {"(4, 5)": 3, "(4, 2)": 3}
    assert len(edges(dot)) == 7
    assert "legend_parameter" not in dot and "legend_tensor" not in dot


def test_group_by_module_draws_nested_clusters():
    tb.manual_seed(0)
    x = tb.randn(2, 3)
    w1 = tb.randn(3, 3, requires_grad=True)
    w2 = tb.randn(3, 1, requires_grad=True)
    with module_scope("block"):
        with module_scope("block.fc1"):
            h = (x @ w1).tanh()
        with module_scope("block.fc2"):
            y = h @ w2
        y = y * 2.0
    loss = y.sum()
    params = {"block.fc1.weight": w1, "block.fc2.weight": w2}
    dot = to_dot(loss, params=params, group_by_module=True)
    clusters = cluster_contents(dot)
    labels = nodes(dot)
    # Names of what each cluster holds, leaving out the unnamed results ("(2, 3) float32").
    names = {c: sorted(first_line(labels[i]) for i in ids if not labels[i].startswith("("))
             for c, ids in clusters.items()}
    assert names["block.fc1"] == ["MatMul", "Tanh", "block.fc1.weight"]
    assert names["block.fc2"] == ["MatMul", "block.fc2.weight"]
    # block holds its children and its own Mul; the loss's Sum and the output stay outside.
    assert clusters["block.fc1"] <= clusters["block"]
    assert names["block"] == ["MatMul", "MatMul", "Mul", "Tanh", "block.fc1.weight",
                              "block.fc2.weight"]
    assert "Sum" in {first_line(lab) for lab in labels.values()}
    assert dot.count("subgraph cluster_") == 4   # block, block.fc1, block.fc2, legend


def test_collapse_modules_gives_one_node_per_module():
    loss, params = mlp()
    dot = to_dot(loss, params=params, collapse_modules=True)
    labels = nodes(dot)
    assert sorted(labels.values()) == sorted([
        "fc1\\n2 ops: MatMul, Add\\n2 parameters, 20 values",
        "act\\n1 op: ReLU",
        "fc2\\n2 ops: MatMul, Add\\n2 parameters, 12 values",
        "Pow", "Mean\\naxis=(0, 1)", "output\\n() float32", "input\\n(4, 3) float32\\nno grad"])
    by_label = {first_line(lab): i for i, lab in labels.items()}
    pairs = {(first_line(labels[s]), first_line(labels[d])) for s, d, _ in edges(dot)}
    assert pairs == {("input", "fc1"), ("fc1", "act"), ("act", "fc2"), ("fc2", "Pow"),
                     ("Pow", "Mean"), ("Mean", "output")}
    assert 'shape="box3d"' in node_attrs(dot)[by_label["fc1"]]
    assert "legend_module" in dot


def test_collapse_depth_and_grouping_combine():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    with module_scope("layer1.0"):
        h = x.exp()
    with module_scope("layer1.1"):
        h = h.sin().cos()
    out = h.sum()
    top = nodes(to_dot(out, collapse_modules=True)).values()
    assert "layer1\\n3 ops: Exp, Sin, Cos" in top
    dot = to_dot(out, collapse_modules=2, group_by_module=True)
    labels = nodes(dot)
    assert {"layer1.0\\n1 op: Exp", "layer1.1\\n2 ops: Sin, Cos"} <= set(labels.values())
    inside = {labels[i] for i in cluster_contents(dot)["layer1"]}
    assert inside == {"layer1.0\\n1 op: Exp", "layer1.1\\n2 ops: Sin, Cos"}


# -- large graphs --------------------------------------------------------------------------------

def test_a_20000_op_chain_renders_iteratively_and_quickly():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    start = time.perf_counter()
    dot = to_dot(y)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, f"to_dot of a 20,000-op chain took {elapsed:.1f} s"
    labels = nodes(dot)
    assert len(labels) == 20_000 + 20_000 + 1     # ops, their results, the input
    assert sum(lab == "Mul" for lab in labels.values()) == 20_000
    assert "try ops_only=True, collapse_modules=True or max_nodes=200" in dot

    cut = to_dot(y, max_nodes=10)
    labels = nodes(cut)
    assert sum(lab == "Mul" for lab in labels.values()) == 10
    assert "... 19,990 more ops\\nnot drawn (max_nodes=10)" in labels.values()
    assert "showing 10 of 20,000 ops (max_nodes)" in cut


# -- argument checking -------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(rankdir="XY"), ValueError,
     r"rankdir must be one of \('TB', 'LR', 'BT', 'RL'\), got 'XY'"),
    (dict(params=[1, 2]), TypeError, r"params must hold \(name, Tensor\) pairs, got 1"),
    (dict(params="w"), TypeError, r"params must be a dict of name -> Tensor.*got str"),
    (dict(params={"w": np.ones(2)}), TypeError, r"params\['w'\] is a ndarray, expected a Tensor"),
    (dict(collapse_modules=-1), ValueError, r"collapse_modules must be a bool or a positive int"),
    (dict(max_nodes=0), ValueError, r"max_nodes must be a positive int or None, got 0"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    y = Tensor([1.0], requires_grad=True).exp()
    with pytest.raises(error, match=match):
        draw_graph(y, **kwargs)


def test_outputs_must_be_tensors():
    with pytest.raises(TypeError, match="output 1 is a float, expected a Tensor"):
        draw_graph(Tensor([1.0]), 2.0)
    with pytest.raises(ValueError, match="at least one output tensor"):
        draw_graph()
    # A list of outputs is accepted as PyTorch users pass it.
    assert isinstance(draw_graph([Tensor([1.0], requires_grad=True).exp()]), graphviz.Digraph)


def test_params_accepts_named_parameters_pairs():
    loss, params = mlp()
    assert to_dot(loss, params=list(params.items())) == to_dot(loss, params=params)


# -- the `dot` binary ---------------------------------------------------------------------------

@needs_dot
def test_render_graph_writes_an_svg_with_the_labels(tmp_path):
    loss, params = mlp()
    path = render_graph(loss, tmp_path / "mlp", params=params)
    assert path == str(tmp_path / "mlp.svg")
    svg = (tmp_path / "mlp.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("fc1.weight", "fc2.bias", "MatMul", "ReLU", "(3, 5) float32", "legend"):
        assert text in svg


@needs_dot
def test_digraph_render_writes_through_dot(tmp_path):
    loss, params = mlp()
    out = draw_graph(loss, params=params, group_by_module=True).render(
        str(tmp_path / "graph"), format="svg")
    assert out.endswith("graph.svg")
    assert "fc1.weight" in (tmp_path / "graph.svg").read_text()


@needs_dot
def test_tensor_repr_svg_for_jupyter():
    loss, _ = mlp()
    svg = loss._repr_svg_()
    assert "<svg" in svg and "MatMul" in svg
    assert Tensor([1.0], requires_grad=True)._repr_svg_() is None


@needs_dot
def test_tensor_svg_keeps_the_jupyter_picture_small():
    y = Tensor([1.0], requires_grad=True)
    for _ in range(100):
        y = y.sin()
    svg = tensor_svg(y)
    assert "showing 60 of 100 ops (max_nodes)" in svg
    assert svg.count(">Sin</text>") == 60


def test_missing_dot_says_how_to_install_it(monkeypatch, tmp_path):
    loss, params = mlp()
    monkeypatch.setattr(viz_render.shutil, "which", lambda name: None)
    with pytest.raises(DotNotFoundError) as info:
        render_graph(loss, tmp_path / "g.svg", params=params)
    message = str(info.value)
    for text in ("Graphviz's `dot` executable was not found", "apt-get install graphviz",
                 "brew install graphviz", "conda install graphviz", "to_dot(loss)"):
        assert text in message
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, graphviz.ExecutableNotFound)
    assert not (tmp_path / "g.svg").exists()
    assert tensor_svg(loss) is None


def test_missing_dot_on_graph_render(monkeypatch, tmp_path):
    loss, params = mlp()
    graph = draw_graph(loss, params=params)
    monkeypatch.setenv("PATH", str(tmp_path))      # an empty directory: no `dot` anywhere
    with pytest.raises(DotNotFoundError, match="apt-get install graphviz") as info:
        graph.render(str(tmp_path / "graph"), format="png")
    assert "rendered to png" in str(info.value)
    with pytest.raises(RuntimeError, match="brew install graphviz"):
        graph.pipe(format="svg")
    # The DOT text never needed the binary.
    assert "fc1.weight" in to_dot(loss, params=params)


def test_render_graph_checks_its_arguments(tmp_path):
    with pytest.raises(TypeError, match=r"drawing options \['ops_only'\] apply only when"):
        render_graph(draw_graph(Tensor([1.0])), tmp_path / "g", ops_only=True)
    with pytest.raises(ValueError, match="unknown format 'svgz2'"):
        render_graph(Tensor([1.0]), tmp_path / "g", format="svgz2")
    with pytest.raises(TypeError, match="expected a graphviz.Digraph, a Tensor or a list"):
        render_graph("loss", tmp_path / "g")


# -- with real modules ---------------------------------------------------------------------------

def test_real_mlp_from_nn_groups_and_collapses_by_module():
    from tinygrad_book import nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 5)
            self.fc2 = nn.Linear(5, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    tb.manual_seed(0)
    model = MLP()
    loss = (model(tb.randn(4, 3)) ** 2).mean()
    params = dict(model.named_parameters())
    dot = to_dot(loss, params=params, group_by_module=True)
    clusters, labels = cluster_contents(dot), nodes(dot)
    in_fc1 = sorted(labels[i] for i in clusters["fc1"])
    assert in_fc1 == ["(4, 5) float32", "Affine", "fc1.bias\\n(5,) float32",
                      "fc1.weight\\n(5, 3) float32"]
    # The root module tags its own ops with "": the ReLU in its forward is in no cluster.
    assert set(clusters) == {"fc1", "fc2", "legend"}
    relu = next(i for i, lab in labels.items() if lab == "ReLU")
    assert not any(relu in ids for ids in clusters.values())

    collapsed = nodes(to_dot(loss, params=params, collapse_modules=True))
    assert sorted(collapsed.values()) == sorted([
        "fc1\\n1 op: Affine\\n2 parameters, 20 values",
        "fc2\\n1 op: Affine\\n2 parameters, 12 values",
        "ReLU", "Pow", "Mean\\naxis=(0, 1)", "output\\n() float32",
        "input\\n(4, 3) float32\\nno grad"])
