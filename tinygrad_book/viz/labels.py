"""How each vertex looks: colours, shapes and the text of its label.

Each role has its own fill colour *and* shape, so the picture still reads in
greyscale: parameters are blue boxes, inputs green parallelograms, ops grey
ellipses, intermediate tensors white rounded boxes, outputs orange double
boxes, saved tensors dashed yellow boxes, collapsed modules purple 3-D boxes.
"""
from typing import Any

import numpy as np
from graphviz import escape, nohtml

from .graph import INPUT, MODULE, MORE, OP, OUTPUT, PARAM, SAVED, TENSOR, TENSOR_ROLES

# Tensors with at most this many elements show their values with show_values=True.
MAX_VALUES = 6

STYLES = {
    PARAM: dict(shape="box", style="filled", fillcolor="#9ecae1", color="#3182bd"),
    INPUT: dict(shape="parallelogram", style="filled", fillcolor="#c7e9c0", color="#31a354"),
    OP: dict(shape="ellipse", style="filled", fillcolor="#e5e5e5", color="#636363"),
    TENSOR: dict(shape="box", style="rounded,filled", fillcolor="#ffffff", color="#969696",
                 fontsize="9"),
    OUTPUT: dict(shape="box", style="filled", fillcolor="#fdae6b", color="#e6550d",
                 peripheries="2"),
    SAVED: dict(shape="box", style="dashed,filled", fillcolor="#fff7bc", color="#d9a400",
                fontsize="9"),
    MODULE: dict(shape="box3d", style="filled", fillcolor="#dadaeb", color="#756bb1"),
    MORE: dict(shape="note", style="filled", fillcolor="#f7f7f7", color="#969696"),
}
EDGE_STYLES = {
    "data": {},
    "saved": dict(style="dashed", color="#d9a400", arrowhead="odot"),
}
CLUSTER_STYLE = dict(style="rounded,filled", fillcolor="#f2f0f7", color="#9e9ac8",
                     fontcolor="#54278f", labeljust="l")
# What an unnamed leaf is called; an unnamed intermediate result has no title.
_UNNAMED = {PARAM: "parameter", INPUT: "input"}
LEGEND_TEXT = {
    PARAM: "parameter", INPUT: "input", OP: "op", TENSOR: "tensor", OUTPUT: "output",
    SAVED: "saved for backward", MODULE: "module",
}


def node_statement(node_id, vertex, show_shapes=True, show_values=False):
    """The DOT line that draws one vertex (its style, and a label built from it)."""
    style = _STYLE_TEXT[vertex.role]
    title = vertex.title or _UNNAMED.get(vertex.role)
    lines = [title] if title else []
    if vertex.role in TENSOR_ROLES and show_shapes and vertex.shape is not None:
        lines.append(f"{tuple(vertex.shape)} {_dtype_name(vertex.dtype)}")
    lines += vertex.lines
    if vertex.role in TENSOR_ROLES:
        if show_values:
            lines += values_text(vertex)
        if not lines:
            # An unnamed intermediate with nothing to print: a dot on the wire.
            style = _POINT_TEXT
    return f'\t{node_id} [label={quote(label(lines))} {style}]\n'


def edge_statement(src_id, dst_id, kind="data", text=None):
    """The DOT line for an edge, optionally labelled (e.g. with a shape)."""
    attrs = _EDGE_TEXT[kind]
    if text:
        attrs = f"label={quote(label([text]))} {attrs}".rstrip()
    return f"\t{src_id} -> {dst_id}" + (f" [{attrs}]" if attrs else "") + "\n"


def label(lines):
    """Join label lines for DOT, so that no user text is read as DOT escapes or HTML."""
    return nohtml("\\n".join(escape(str(line)) for line in lines))


def quote(text):
    """A double-quoted DOT string; backslashes were already escaped by :func:`label`."""
    return '"' + text.replace('"', '\\"') + '"'


def attr_text(attrs):
    return " ".join(f"{k}={quote(str(v))}" for k, v in attrs.items())


_STYLE_TEXT = {role: attr_text(attrs) for role, attrs in STYLES.items()}
_POINT_TEXT = attr_text(dict(shape="point", width="0.08", color="#969696"))
_EDGE_TEXT = {kind: attr_text(attrs) for kind, attrs in EDGE_STYLES.items()}
_DTYPE_NAMES: dict[Any, str] = {}   # dtype -> its name, cached


def _dtype_name(dtype):
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = np.dtype(dtype).name
    return name


def values_text(vertex):
    """Label lines with the values of a small tensor whose data is reachable, else ``[]``.

    A scalar reads ``data 0.3 | grad -1.2`` (micrograd's node); a vector puts
    ``data [...]`` and ``grad [...]`` on lines of their own.
    """
    if vertex.tensor is not None:
        data = vertex.tensor.data
        grad = vertex.tensor.grad
        grad_text = "None" if grad is None else format_values(np.asarray(grad.data))
    elif vertex.array is not None:
        data, grad_text = vertex.array, None
    else:
        return []
    if data.size > MAX_VALUES:
        return []
    lines = ["data " + format_values(data)]
    if grad_text is not None:
        lines.append("grad " + grad_text)
    return [" | ".join(lines)] if data.ndim == 0 else lines


def format_values(arr):
    """A scalar as ``0.3``, anything else as a flat list ``[0.3, -1.2]`` (4 significant digits)."""
    if arr.dtype.kind == "f":
        items = [format(float(x), ".4g") for x in arr.ravel()]
    else:
        items = [str(x.item()) for x in arr.ravel()]
    return items[0] if arr.ndim == 0 else "[" + ", ".join(items) + "]"
