"""The explorer's data: each drawn node and each recorded backward step as plain JSON values.

The page's script reads nothing else. Node ids are the DOT names of the full
view (``n0``, ``n1``, ...), so the SVG, the data and the tests agree on them.
A tensor's values travel in full up to :data:`MAX_LISTED` elements (as
nested lists); a bigger one travels as summary statistics and a histogram.
"""
import inspect
import linecache
import math

import numpy as np

from .graph import INPUT, MORE, OP, OUTPUT, PARAM, SAVED, TENSOR, format_attr

MAX_LISTED = 100
HIST_BINS = 20
# The test contract's kinds (window.tbGraph.nodes()); other roles keep their own name.
KINDS = {PARAM: "param", INPUT: "input", OP: "op", TENSOR: "tensor", OUTPUT: "output",
         SAVED: "saved", MORE: "more"}


def values(arr):
    """``{shape, dtype, values}`` for a small array, ``{shape, dtype, stats, hist}`` otherwise."""
    arr = np.asarray(arr)
    out = {"shape": list(arr.shape), "dtype": arr.dtype.name}
    if arr.size <= MAX_LISTED:
        out["values"] = _plain(arr.tolist())
        return out
    flat = arr.astype(np.float64, copy=False).ravel()
    finite = flat[np.isfinite(flat)]
    out["stats"] = {"min": _number(finite.min()) if finite.size else None,
                    "max": _number(finite.max()) if finite.size else None,
                    "mean": _number(finite.mean()) if finite.size else None,
                    "std": _number(finite.std()) if finite.size else None,
                    "nonfinite": int(flat.size - finite.size), "size": int(flat.size)}
    if finite.size:
        counts, edges = np.histogram(finite, bins=HIST_BINS)
        out["hist"] = {"counts": counts.tolist(), "lo": _number(edges[0]),
                       "hi": _number(edges[-1])}
    return out


def _number(x):
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _plain(v):
    """Nested lists with NaN/Inf spelled as strings (JSON has no such numbers)."""
    if isinstance(v, list):
        return [_plain(e) for e in v]
    if isinstance(v, float) and not math.isfinite(v):
        return _number(v)
    return v


def nodes(g):
    """One dict per vertex of the full view ``g`` (built by ``graph.build``)."""
    node_of = {v: node for node, v in g.op_vertex.items()}
    kept = _kept_results(g.op_vertex)
    result_of = {vi: key for key, vi in g.tensor_vertex.items()}
    pred, _ = g.neighbours()
    result = []
    for i, v in enumerate(g.vertices):
        item = {"id": f"n{i}", "kind": KINDS.get(v.role, v.role),
                "label": v.title or _unnamed(v.role), "module": v.module,
                "shape": None if v.shape is None else list(v.shape),
                "dtype": None if v.dtype is None else np.dtype(v.dtype).name}
        if v.role == OP:
            item.update(_op_info(node_of[i]))
        elif v.role == TENSOR:
            item["producer"] = next((f"n{p}" for p in pred[i]), None)
        data = _tensor_data(v, result_of.get(i), kept)
        item["data"] = None if data is None else values(data)
        result.append(item)
    return result


def _unnamed(role):
    return {PARAM: "parameter", INPUT: "input", TENSOR: "tensor", SAVED: "saved"}.get(role, role)


def _kept_results(op_vertex):
    """``(node, output_nr) -> array`` of intermediate results some op saved for backward."""
    kept = {}
    for node in op_vertex:
        try:
            saved = node.saved_tensors
        except RuntimeError:
            continue
        for t in saved:
            if t is not None and t.grad_fn is not None:
                kept[(t.grad_fn, t._output_nr)] = t.data
    return kept


def _tensor_data(v, result, kept):
    """The values a vertex stands for, when the graph still holds them (else None)."""
    if v.tensor is not None:
        return v.tensor.data
    if v.array is not None:
        return v.array
    return kept.get(result) if result is not None else None


def _op_info(node):
    """What the panel shows for an op: attributes, module, call site, local derivative."""
    fn = node.fn
    derivative = getattr(fn, "derivative", None) or inspect.getdoc(fn)
    site = None
    if node.forward_site is not None:
        filename, lineno, function = node.forward_site
        line = linecache.getline(filename, lineno).strip()
        site = f"{filename}:{lineno} in {function}" + (f": {line}" if line else "")
    return {"op": fn.__name__,
            "attrs": {k: format_attr(a) for k, a in (node.attrs or {}).items()},
            "module_path": node.module_path, "site": site,
            "derivative": derivative if isinstance(derivative, str) else None,
            "outputs": [[list(s), np.dtype(d).name] for s, d in node.output_meta]}


def steps(g, recording):
    """The seed (output gradients) and, per engine step, the op and the gradients it passed.

    Each flow names the input vertex (``src``), the op (``dst``), the gradient
    passed (``grad``) and the input's gradient summed over all uses so far (``total``).
    """
    more = next((f"n{i}" for i, v in enumerate(g.vertices) if v.role == MORE), None)
    totals = {}
    seed = []
    for t, grad in recording.root_grads:
        vi = g.tensor_vertex.get((t.grad_fn, t._output_nr)) if t.grad_fn is not None \
            else g.leaf_vertex.get(id(t))
        if vi is not None:
            totals[vi] = grad
            seed.append({"id": f"n{vi}", "grad": values(grad)})
    result = []
    for step in recording.steps:
        node = step.node
        op = g.op_vertex.get(node)
        flows = []
        for edge, grad in zip(node.next, step.grads_in, strict=True):
            if edge is None or grad is None or op is None:
                continue
            src = (g.leaf_vertex.get(id(edge[0])) if edge[1] is None
                   else g.tensor_vertex.get(edge))
            if src is None:
                continue
            totals[src] = grad if src not in totals else totals[src] + grad
            flows.append({"src": f"n{src}", "dst": f"n{op}", "grad": values(grad),
                          "total": values(totals[src])})
        result.append({"op": more if op is None else f"n{op}", "name": node.fn.__name__,
                       "grads_out": [None if g_ is None else values(g_)
                                     for g_ in step.grads_out],
                       "flows": flows})
    return seed, result


def final_leaf_grads(g, recording):
    """``id -> values`` of each leaf's final gradient (what ``tinygrad_book.grad`` returns)."""
    out = {}
    for leaf, grad in recording.leaf_grads.values():
        vi = g.leaf_vertex.get(id(leaf))
        if vi is not None and grad is not None:
            out[f"n{vi}"] = values(grad)
    return out
