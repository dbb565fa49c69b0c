"""``draw_graph`` / ``to_dot`` / ``render_graph``: the recorded graph as Graphviz.

DOT text is produced in pure Python and needs no binary; turning it into
SVG/PNG runs Graphviz's ``dot`` program, and its absence is reported by a
:class:`DotNotFoundError` that says how to install it.
"""
import contextlib
import os
import shutil
from collections.abc import Mapping

import graphviz

from ..tensor import Tensor
from . import labels
from .graph import OP, assign_modules, build, simplify

RANKDIRS = ("TB", "LR", "BT", "RL")
# Beyond this many vertices the full view turns into a hairball; say what helps.
LARGE_GRAPH = 250
# tensor_svg draws at most this many ops (the rest are summarised), to stay small.
REPR_MAX_OPS = 60

INSTALL_HINT = (
    "Install Graphviz with your package manager: `sudo apt-get install graphviz` "
    "(Debian/Ubuntu), `brew install graphviz` (macOS), `conda install graphviz` (conda), "
    "or see https://graphviz.org/download/. The DOT text needs no binary: "
    "`tinygrad_book.to_dot(loss)` returns it and `graph.save('graph.dot')` writes it.")


class DotNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` is not installed; a ``RuntimeError`` (and graphviz's own error)."""

    def __init__(self, fmt="svg"):
        RuntimeError.__init__(
            self, f"Graphviz's `dot` executable was not found on PATH, so the graph cannot "
                  f"be rendered to {fmt}. {INSTALL_HINT}")


class GraphvizDigraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering explains how to install a missing ``dot``."""

    def render(self, *args, **kwargs):
        with _explain_missing_dot(kwargs.get("format") or self.format):
            return super().render(*args, **kwargs)

    def pipe(self, *args, **kwargs):
        with _explain_missing_dot(kwargs.get("format") or self.format):
            return super().pipe(*args, **kwargs)


@contextlib.contextmanager
def _explain_missing_dot(fmt):
    try:
        yield
    except DotNotFoundError:
        raise
    except graphviz.ExecutableNotFound as exc:
        raise DotNotFoundError(fmt) from exc


def draw_graph(*outputs, params=None, show_shapes=True, show_saved=False, show_values=False,
               rankdir="TB", ops_only=False, group_by_module=False, collapse_modules=False,
               max_nodes=None):
    """Draw the graph that computed ``outputs`` as a ``graphviz.Digraph``.

    Values flow along the arrows, from parameters and inputs through ops to
    the outputs. ``graph.render("graph", format="svg")`` writes an SVG file
    (needs Graphviz's ``dot``); ``graph.source`` is the DOT text.

    Args:
        *outputs: tensors to draw the history of (usually just the loss).
        params: ``dict(model.named_parameters())`` (name -> Tensor) to label
            parameters by name; other leaves are drawn as inputs.
        show_shapes: print each tensor's shape and dtype.
        show_saved: draw the arrays each op saved for backward (dashed).
        show_values: print ``data`` and ``grad`` of tensors with at most 6
            elements whose Tensor the graph can reach (leaves, outputs, tensors
            kept with ``retain_grad()``), micrograd-style.
        rankdir: layout direction, one of ``"TB"``, ``"LR"``, ``"BT"``, ``"RL"``.
        ops_only: draw ops only; intermediate tensors become edge labels and
            leaves are listed on the op that uses them (``+ fc1.weight (5, 3)``).
        group_by_module: draw each module (``ctx.module_path``) as a box
            around its ops, nested as the dotted paths are.
        collapse_modules: draw each top-level module (first component of its
            dotted path, e.g. ``fc1`` or ``layer1``) as one node with its op
            count; an int ``n`` collapses at depth ``n`` instead (``layer1.0``).
            Parameters used only inside one module are counted in its node.
        max_nodes: draw at most this many ops, those nearest the outputs;
            one node summarises the rest.

    Returns:
        GraphvizDigraph: a ``graphviz.Digraph`` subclass.
    """
    outputs = check_outputs(outputs)
    names = param_names(params)
    depth = check_options(rankdir, collapse_modules, max_nodes)
    g = build(outputs, names, show_saved=show_saved, max_nodes=max_nodes)
    if ops_only or depth:
        g = simplify(g, ops_only=ops_only, collapse_depth=depth, show_shapes=show_shapes)
    clusters = assign_modules(g) if group_by_module else []
    return to_digraph(g, clusters, show_shapes, show_values, rankdir, ops_only or depth)


def to_dot(*outputs, **kwargs):
    """The DOT text of :func:`draw_graph` (same arguments); needs no Graphviz binary."""
    return draw_graph(*outputs, **kwargs).source


def render_graph(graph_or_outputs, path, format="svg", **kwargs):
    """Render a graph (or the graph of a tensor / list of tensors) to the file ``path``.

    ``path`` gets ``.{format}`` appended when it has no extension. ``kwargs``
    go to :func:`draw_graph` when tensors are given. Returns the path written.
    Raises :class:`DotNotFoundError` (a ``RuntimeError``) without Graphviz.
    """
    if format not in graphviz.FORMATS:
        raise ValueError(f"render_graph: unknown format {format!r}; Graphviz knows e.g. "
                         "'svg', 'png', 'pdf'")
    if isinstance(graph_or_outputs, graphviz.Digraph):
        if kwargs:
            raise TypeError(f"render_graph: drawing options {sorted(kwargs)} apply only when "
                            "tensors are given, not an already drawn graph")
        graph = graph_or_outputs
    elif isinstance(graph_or_outputs, Tensor):
        graph = draw_graph(graph_or_outputs, **kwargs)
    elif isinstance(graph_or_outputs, (list, tuple)):
        graph = draw_graph(*graph_or_outputs, **kwargs)
    else:
        raise TypeError(f"render_graph: expected a graphviz.Digraph, a Tensor or a list of "
                        f"Tensors, got {type(graph_or_outputs).__name__}")
    path = os.fspath(path)
    if not os.path.splitext(path)[1]:
        path = f"{path}.{format}"
    if shutil.which("dot") is None:
        raise DotNotFoundError(format)
    with _explain_missing_dot(format):
        data = graph.pipe(format=format)
    with open(path, "wb") as f:
        f.write(data)
    return path


def tensor_svg(t):
    """SVG text of ``t``'s graph (the ``REPR_MAX_OPS`` ops nearest ``t``), e.g. to show in a
    notebook; None when ``t`` has no graph or ``dot`` is missing."""
    if t.grad_fn is None or shutil.which("dot") is None:
        return None
    try:
        return draw_graph(t, max_nodes=REPR_MAX_OPS).pipe(format="svg", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        return None


# Jupyter shows a tensor as its graph. Attached from here, above the core:
# tensor.py does not import viz.
Tensor._repr_svg_ = tensor_svg  # type: ignore[attr-defined]  # attached from above the core


def check_outputs(outputs):
    if len(outputs) == 1 and isinstance(outputs[0], (list, tuple)):
        outputs = tuple(outputs[0])
    if not outputs:
        raise ValueError("draw_graph: expected at least one output tensor, e.g. draw_graph(loss)")
    unique: list[Tensor] = []
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: output {i} is a {type(t).__name__}, expected a Tensor")
        if not any(t is u for u in unique):
            unique.append(t)
    return unique


def param_names(params):
    """``id(tensor) -> name`` from a name -> Tensor mapping (or iterable of pairs)."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        items = params.items()
    elif isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"draw_graph: params must be a dict of name -> Tensor, e.g. "
                        f"dict(model.named_parameters()), got {type(params).__name__}")
    else:
        items = params
    names: dict[int, str] = {}
    for entry in items:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise TypeError(f"draw_graph: params must hold (name, Tensor) pairs, got {entry!r}")
        name, t = entry
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: params[{name!r}] is a {type(t).__name__}, "
                            "expected a Tensor")
        names.setdefault(id(t), str(name))
    return names


def check_options(rankdir, collapse_modules, max_nodes):
    """Check draw_graph's layout options; returns the collapse depth (None: no collapsing)."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    depth = _collapse_depth(collapse_modules)
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, "
                         f"got {max_nodes!r}")
    return depth


def _collapse_depth(collapse_modules):
    if collapse_modules is True:
        return 1
    if collapse_modules is False or collapse_modules is None:
        return None
    if isinstance(collapse_modules, int) and collapse_modules >= 1:
        return collapse_modules
    raise ValueError(f"draw_graph: collapse_modules must be a bool or a positive int "
                     f"(module depth), got {collapse_modules!r}")


def to_digraph(g, clusters, show_shapes, show_values, rankdir, simplified):
    dot = GraphvizDigraph(
        name="tinygrad_book",
        graph_attr=dict(rankdir=rankdir, fontname="Helvetica", fontsize="11", nodesep="0.25",
                        ranksep="0.3"),
        node_attr=dict(fontname="Helvetica", fontsize="10", margin="0.08,0.03", height="0.3"),
        edge_attr=dict(fontname="Helvetica", fontsize="9", color="#525252", arrowsize="0.6"))
    hint = _size_hint(g, simplified)
    if hint:
        dot.attr(label=hint, labelloc="t")

    # Statements are written directly (not via Digraph.node/edge): graphviz's
    # generic quoting is what made a 20,000-op graph slow to turn into text.
    subgraphs = {path: graphviz.Digraph(name=f"cluster_{k}") for k, path in enumerate(clusters)}
    for path, sub in subgraphs.items():
        sub.attr(label=graphviz.escape(path), **labels.CLUSTER_STYLE)
    for i, v in enumerate(g.vertices):
        target = subgraphs.get(v.module) if v.module else None
        (target or dot).body.append(labels.node_statement(f"n{i}", v, show_shapes, show_values))
    # Deepest first, so each cluster is complete before its parent takes it in.
    for path in sorted(subgraphs, key=lambda p: -p.count(".")):
        parent = path.rsplit(".", 1)[0] if "." in path else None
        (subgraphs[parent] if parent in subgraphs else dot).subgraph(subgraphs[path])
    dot.body.extend(labels.edge_statement(f"n{src}", f"n{dst}", kind,
                                          text if show_shapes else None)
                    for src, dst, text, kind in g.edges)
    _add_legend(dot, {v.role for v in g.vertices} | {OP})
    return dot


def _size_hint(g, simplified):
    lines = []
    if g.ops_hidden:
        lines.append(f"showing {g.ops_total - g.ops_hidden:,} of {g.ops_total:,} ops "
                     "(max_nodes)")
    if len(g.vertices) > LARGE_GRAPH and not simplified:
        lines.append(f"{len(g.vertices):,} nodes: for a readable picture try "
                     "ops_only=True, collapse_modules=True or max_nodes=200")
    return labels.label(lines) if lines else None


def _add_legend(dot, roles):
    legend = graphviz.Digraph(name="cluster_legend")
    legend.attr(label="legend", style="rounded", color="#bdbdbd", fontsize="9")
    row = graphviz.Digraph()
    row.attr(rank="same")
    shown = [role for role in labels.LEGEND_TEXT if role in roles]
    for role in shown:
        attrs = dict(labels.STYLES[role], fontsize="9")
        attrs["label"] = labels.LEGEND_TEXT[role]
        row.node(f"legend_{role}", **attrs)
    # Invisible edges keep the entries in one row, in the legend's order.
    for a, b in zip(shown, shown[1:], strict=False):  # neighbouring pairs
        row.edge(f"legend_{a}", f"legend_{b}", style="invis")
    legend.subgraph(row)
    dot.subgraph(legend)
