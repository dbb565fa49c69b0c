"""Graph rendering: draw the recorded autograd graph with Graphviz.

    g = tinygrad_book.draw_graph(loss, params=dict(model.named_parameters()))
    g.render("mlp", format="svg")          # needs Graphviz's `dot`
    text = tinygrad_book.to_dot(loss)      # DOT text, no binary needed

``graph.py`` walks the graph into plain vertices and edges (and builds the
ops-only and collapsed views), ``labels.py`` decides how each vertex looks,
``render.py`` turns the result into a ``graphviz.Digraph``. ``explore`` makes
an interactive page that steps through the backward pass (``explorer.py``,
``record.py``, ``export.py`` and the page's own ``explorer.js``/``.css``).
"""
from .explorer import Explorer, explore
from .render import DotNotFoundError, GraphvizDigraph, draw_graph, render_graph, tensor_svg, to_dot

__all__ = ["draw_graph", "to_dot", "render_graph", "DotNotFoundError", "GraphvizDigraph",
           "tensor_svg", "explore", "Explorer"]
