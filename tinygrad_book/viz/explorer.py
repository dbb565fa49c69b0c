"""``explore``: watch backprop step through your own graph, in one self-contained HTML page.

    page = tinygrad_book.viz.explore(loss, params=dict(model.named_parameters()))
    page.save("out/explorer.html")      # open it in any browser; no network needed
    page                                # in Jupyter: shown inline

The picture is Graphviz's SVG of the graph :func:`draw_graph` draws (same
colours and legend), made interactive by the page's own script
(``explorer.js``, with ``explorer_values.js`` for the numbers): click a node
to see its values and gradient, step backward node by node in the engine's
own order, search, switch to the ops-only or collapsed-module views. The
backward pass is recorded once, here, by ``record.py``; the page replays it.
"""
import html
import json
import os
import shutil
from pathlib import Path

from . import export
from .graph import MODULE, OP, assign_modules, build, simplify
from .record import record_backward
from .render import DotNotFoundError, check_options, check_outputs, param_names, to_digraph

# Above this many vertices the page opens on the collapsed (or ops-only) view.
OPEN_SIMPLIFIED = 300
# Above this many vertices the full view is not laid out at all (dot would take minutes).
FULL_VIEW_MAX = 3000
_HERE = Path(__file__).resolve().parent


class Explorer:
    """An interactive page for one recorded backward pass.

    ``save(path)`` writes the page; ``html()`` returns it; ``_repr_html_``
    shows it inside a notebook. ``nodes`` (the node dicts the page holds) and
    ``order`` (the op node id of each backward step, in the engine's order) are
    there for scripts and tests.
    """

    def __init__(self, page, nodes, order, title):
        self._page = page
        self.nodes = nodes
        self.order = order
        self.title = title

    def html(self):
        """The whole page as one string: markup, SVG, data, style and script."""
        return self._page

    def save(self, path):
        """Write the page to ``path`` (``.html`` added when it has no extension); returns it."""
        path = os.fspath(path)
        if not os.path.splitext(path)[1]:
            path += ".html"
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(self._page)
        return path

    def _repr_html_(self):
        # srcdoc keeps the page's script and ids apart from the notebook's own.
        return (f'<iframe srcdoc="{html.escape(self._page, quote=True)}" '
                f'title="{html.escape(self.title, quote=True)}" '
                'style="width:100%;height:640px;border:1px solid #ccc"></iframe>')

    def __repr__(self):
        return f"<Explorer {self.title!r}: {len(self.nodes)} nodes, {len(self.order)} steps>"


def explore(*outputs, params=None, grad_outputs=None, run_hooks=False, title="backward pass",
            **draw_graph_options):
    """Record the backward pass of ``outputs`` and return an :class:`Explorer` page for it.

    Args:
        *outputs: the tensors to backpropagate from (usually the loss).
        params: ``dict(model.named_parameters())``, to name parameters.
        grad_outputs: the gradients backward starts from, one per output;
            needed only for outputs with more than one element.
        run_hooks: call the tensors' hooks during the recorded pass (they may
            change gradients, and any side effect they have happens once more);
            by default they are not called.
        title: the page's title.
        **draw_graph_options: as :func:`draw_graph` (``show_saved``,
            ``rankdir``, ``ops_only`` or ``collapse_modules`` for the view the
            page opens on, ``group_by_module``, ``max_nodes``, ...).

    The backward pass runs through the engine with ``retain_graph=True`` and
    leaves every ``.grad`` as it was. Raises RuntimeError when the graph's
    saved tensors were freed by an earlier ``backward()``, and
    :class:`DotNotFoundError` when Graphviz's ``dot`` is missing.
    """
    outputs = check_outputs(outputs)
    options = _options(draw_graph_options)
    if not isinstance(title, str):
        raise TypeError(f"explore: title must be a str, got {type(title).__name__}")
    if shutil.which("dot") is None:
        raise DotNotFoundError("svg")
    names = param_names(params)
    recording = record_backward(outputs, grad_outputs, run_hooks=run_hooks)
    g = build(outputs, names, show_saved=options["show_saved"], max_nodes=options["max_nodes"])
    nodes = export.nodes(g)
    seed, steps = export.steps(g, recording)
    views, start = _views(g, options)
    data = {"title": title, "nodes": nodes, "seed": seed, "steps": steps,
            "final": export.final_leaf_grads(g, recording), "start": start,
            "views": [{k: v for k, v in view.items() if k != "svg"} for view in views]}
    page = _page(title, data, views)
    return Explorer(page, nodes, [s["op"] for s in steps], title)


def _options(given):
    options = dict(show_shapes=True, show_saved=False, show_values=False, rankdir="TB",
                   ops_only=False, group_by_module=False, collapse_modules=False, max_nodes=None)
    unknown = set(given) - set(options)
    if unknown:
        raise TypeError(f"explore: unknown draw_graph option(s) {sorted(unknown)}; "
                        f"expected some of {sorted(options)}")
    options.update(given)
    options["depth"] = check_options(options["rankdir"], options["collapse_modules"],
                                     options["max_nodes"])
    return options


def _views(g, options):
    """The page's views (full, ops only, modules collapsed) with their SVG and id maps."""
    has_modules = any(v.role == OP and v.module for v in g.vertices)
    candidates = [("ops", "ops only", simplify(g, ops_only=True,
                                                show_shapes=options["show_shapes"]))]
    if has_modules:
        depth = options["depth"] or 1
        candidates.append(("modules", "modules collapsed", simplify(g, collapse_depth=depth)))
    if len(g.vertices) <= FULL_VIEW_MAX:
        candidates.insert(0, ("full", "full graph", g))
    if options["ops_only"]:
        start = "ops"
    elif options["depth"] and has_modules:
        start = "modules"
    elif len(g.vertices) > OPEN_SIMPLIFIED or candidates[0][0] != "full":
        start = "modules" if has_modules else "ops"
    else:
        start = "full"
    views = []
    for key, label, view in candidates:
        clusters = assign_modules(view) if options["group_by_module"] and key != "modules" else []
        dot = to_digraph(view, clusters, options["show_shapes"], options["show_values"],
                         options["rankdir"], key != "full")
        svg = dot.pipe(format="svg", encoding="utf-8")
        views.append({"key": key, "label": label, "svg": svg[svg.index("<svg"):],
                      **_id_maps(g, view, key)})
    return views, start


def _id_maps(g, view, key):
    """``ids``: the node id of each view vertex; ``rep``: the view vertex of each node id."""
    if key == "full":
        full = [f"n{i}" for i in range(len(g.vertices))]
        return {"ids": full, "rep": {node_id: i for i, node_id in enumerate(full)}}
    ids: list[str | None] = [None] * len(view.vertices)
    for old, new in enumerate(view.rep):
        if new is not None and ids[new] is None:
            ids[new] = f"n{old}"
    for k, v in enumerate(view.vertices):
        if v.role == MODULE:
            ids[k] = f"module:{v.title}"
    return {"ids": ids, "rep": {f"n{old}": new for old, new in enumerate(view.rep)
                                if new is not None}}


def _page(title, data, views):
    """The self-contained page: no file, font or script is fetched when it is opened."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    # Inside <script>, "</" could end the element early; "<\/" reads the same to JSON.
    text = text.replace("</", "<\\/")
    style = (_HERE / "explorer.css").read_text(encoding="utf-8")
    script = "\n".join((_HERE / name).read_text(encoding="utf-8")
                       for name in ("explorer_values.js", "explorer.js"))
    options = "".join(f'<option value="{v["key"]}">{v["label"]}</option>' for v in views)
    figures = "".join(f'<div class="tb-view" data-view="{v["key"]}" hidden>{v["svg"]}</div>'
                      for v in views)
    return _TEMPLATE.format(title=html.escape(title), style=style, script=script,
                            options=options, figures=figures, data=text)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style></head>
<body>
<header id="tb-bar">
 <strong>{title}</strong>
 <button id="tb-reset" title="reset (Home)">&#x21BA; reset</button>
 <button id="tb-back" title="back one step (left arrow)">&#x25C0; back</button>
 <button id="tb-step" title="one step (right arrow)">&#x25B6; step</button>
 <button id="tb-play" title="play / pause (space)">play</button>
 <span id="tb-counter">step 0 of 0</span>
 <select id="tb-view" title="view">{options}</select>
 <button id="tb-zoom" title="fit the graph to the window, or full size">full size</button>
 <input id="tb-search" type="search" placeholder="search name or op" size="18">
 <span id="tb-found"></span>
</header>
<main id="tb-main"><div id="tb-canvas" class="tb-fit">{figures}</div>
<aside id="tb-panel"><p class="tb-hint">Click a node to see its values and gradient.
Step through backward with &#x25B6; or the arrow keys.</p></aside></main>
<footer id="tb-status"></footer>
<script type="application/json" id="tb-data">{data}</script>
<script>{script}</script>
</body></html>
"""
