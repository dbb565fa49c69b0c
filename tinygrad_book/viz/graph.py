"""The recorded graph as plain data: what to draw and how it connects.

Walking the autograd graph is kept apart from Graphviz, so one walk feeds the
full view, the ops-only view and the collapsed-module view, and the tests can
reason about vertices and edges without parsing DOT text.

Vertices are numbered in the order they are created, which follows a
breadth-first walk from the outputs: the same graph always gives the same
numbers, never Python ``id()`` values of short-lived objects.
"""
from collections import deque
from typing import Any

import numpy as np

# Roles; each is drawn in its own colour and shape (see labels.py).
PARAM, INPUT, OP, TENSOR, OUTPUT, SAVED, MODULE, MORE = (
    "parameter", "input", "op", "tensor", "output", "saved", "module", "more")
TENSOR_ROLES = (PARAM, INPUT, TENSOR, OUTPUT, SAVED)
MAX_ATTR_CHARS = 40


class Vertex:
    """One thing to draw: a tensor, an op, a collapsed module or the "more ops" marker.

    ``title`` is the first label line (a name or an op name; an unnamed leaf
    is labelled by its role), ``lines`` any further fixed lines;
    ``shape``/``dtype`` describe a tensor; ``tensor`` (a live Tensor) or
    ``array`` lets ``show_values`` print data and grad; ``module`` is the
    dotted module path the vertex is drawn inside.
    """

    __slots__ = ("role", "title", "lines", "shape", "dtype", "tensor", "array", "module")

    def __init__(self, role, title=None, lines=(), shape=None, dtype=None, tensor=None,
                 array=None, module=None):
        self.role = role
        self.title = title
        self.lines = list(lines)
        self.shape = shape
        self.dtype = dtype
        self.tensor = tensor
        self.array = array
        self.module = module

    def copy(self):
        return Vertex(self.role, self.title, self.lines, self.shape, self.dtype, self.tensor,
                      self.array, self.module)


class Graph:
    """Vertices (drawn in list order) and edges ``(src, dst, label, kind)``.

    ``kind`` is ``"data"`` for a value flowing into an op and ``"saved"`` for
    a tensor an op keeps for its backward pass.
    """

    def __init__(self):
        self.vertices = []
        self.edges = []
        self._edge_set = set()
        self.ops_total = 0      # ops reachable from the outputs
        self.ops_hidden = 0     # of those, cut off by max_nodes
        # What stands for what (filled by build; the explorer reads them).
        self.op_vertex = {}     # node -> vertex
        self.leaf_vertex = {}   # id(leaf tensor) -> vertex
        self.tensor_vertex = {}  # (node, output_nr) -> vertex of that result
        self.rep = None         # simplify: old vertex -> vertex of the new graph (or None)

    def add(self, vertex):
        self.vertices.append(vertex)
        return len(self.vertices) - 1

    def connect(self, src, dst, label=None, kind="data", unique=False):
        key = (src, dst, label, kind)
        if unique and key in self._edge_set:
            return
        self._edge_set.add(key)
        self.edges.append(key)

    def neighbours(self) -> tuple[list[list[int]], list[list[int]]]:
        """``(predecessors, successors)``: per vertex, the vertices on its edges."""
        pred: list[list[int]] = [[] for _ in self.vertices]
        succ: list[list[int]] = [[] for _ in self.vertices]
        for src, dst, _, _ in self.edges:
            succ[src].append(dst)
            pred[dst].append(src)
        return pred, succ


def ops_breadth_first(outputs):
    """Every op node reachable from ``outputs``, nearest first (iterative BFS)."""
    seen = set()
    queue: deque[Any] = deque()   # op nodes
    for t in outputs:
        node = t.grad_fn
        if node is not None and node not in seen:
            seen.add(node)
            queue.append(node)
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for edge in node.next:
            if edge is not None and edge[1] is not None and edge[0] not in seen:
                seen.add(edge[0])
                queue.append(edge[0])
    return order


def is_parameter(t):
    """True for ``nn.Parameter`` instances, recognised by class name so core needs no nn."""
    return any(cls.__name__ == "Parameter" for cls in type(t).__mro__)


def build(outputs, names, show_saved=False, max_nodes=None):
    """Turn the graph behind ``outputs`` into a :class:`Graph` with tensor and op vertices.

    ``names`` maps ``id(tensor)`` to a parameter name. With ``max_nodes``
    only that many ops (the ones nearest the outputs) are drawn, and one
    ``MORE`` vertex stands for the rest. The returned graph keeps which
    vertex stands for what: ``op_vertex`` (node -> vertex), ``leaf_vertex``
    (``id(leaf)`` -> vertex) and ``tensor_vertex`` (``(node, output_nr)`` -> vertex).
    """
    g = Graph()
    ops = ops_breadth_first(outputs)
    kept = ops if max_nodes is None else ops[:max_nodes]
    g.ops_total, g.ops_hidden = len(ops), len(ops) - len(kept)
    _add_outputs(g, outputs, names)
    g.op_vertex = {node: g.add(_op_vertex(node)) for node in kept}
    more = None
    if g.ops_hidden:
        more = g.add(Vertex(MORE, f"... {g.ops_hidden:,} more ops",
                            [f"not drawn (max_nodes={max_nodes})"]))
    const_vertex: dict[tuple[Any, ...], int] = {}  # inputs without grad, known by metadata
    for node in kept:
        dst = g.op_vertex[node]
        for edge in node.next:
            if edge is not None:
                g.connect(_input_vertex(g, edge, names), dst)
        for _, shape, dtype, name in node.const_inputs or ():
            # Inputs without grad (a batch, the targets) hold no node of their
            # own; named ones are drawn once however many ops read them.
            key = (name, shape, str(dtype)) if name else (node, shape, str(dtype))
            src = const_vertex.get(key)
            if src is None:
                src = const_vertex[key] = g.add(
                    Vertex(INPUT, name, ["no grad"], shape, dtype, module=None))
            g.connect(src, dst)
        if show_saved:
            _add_saved(g, node, dst, names)
    for (node, _), v in g.tensor_vertex.items():
        g.connect(g.op_vertex.get(node, more), v)
    return g


def _add_outputs(g, outputs, names):
    many = len(outputs) > 1
    for i, t in enumerate(outputs):
        title = _tensor_name(t, names) or (f"output {i}" if many else "output")
        lines = [] if t.requires_grad else ["requires_grad=False: no graph recorded"]
        v = g.add(Vertex(OUTPUT, title, lines, t.shape, t.dtype, tensor=t))
        if t.grad_fn is None:
            g.leaf_vertex[id(t)] = v
        else:
            g.tensor_vertex[(t.grad_fn, t._output_nr)] = v


def _input_vertex(g, edge, names):
    """The vertex of an op's input along ``edge`` (a leaf or another op's result), made once."""
    target, nr = edge
    if nr is None:
        src = g.leaf_vertex.get(id(target))   # the leaves stay alive via the nodes
        if src is None:
            src = g.leaf_vertex[id(target)] = g.add(_leaf_vertex(target, names))
        return src
    src = g.tensor_vertex.get(edge)
    if src is None:
        src = g.tensor_vertex[edge] = g.add(_intermediate_vertex(target, nr))
    return src


def _tensor_name(t, names):
    name = names.get(id(t)) or t.name
    if name is None and t.grad_fn is not None and t.grad_fn.output_names is not None:
        name = t.grad_fn.output_names[t._output_nr]
    return None if name is None else str(name)


def _op_vertex(node):
    lines = []
    if node.attrs:
        attrs = " ".join(f"{k}={format_attr(v)}" for k, v in node.attrs.items()
                         if v is not None and v is not False)
        if attrs:
            lines.append(attrs)
    return Vertex(OP, node.fn.__name__, lines, module=node.module_path or None)


def format_attr(v):
    """Attribute values as a reader writes them: ``1``, ``0.5``, ``(1, 2)``."""
    if isinstance(v, (float, np.floating)):
        return format(float(v), "g")
    if isinstance(v, np.integer):
        return str(int(v))
    if isinstance(v, tuple):
        return "(" + ", ".join(format_attr(e) for e in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, np.ndarray):
        return f"array{v.shape}"
    text = " ".join(str(v).split())
    # A user's Function may store anything in ctx.attrs; keep the op node small.
    return text if len(text) <= MAX_ATTR_CHARS else text[:MAX_ATTR_CHARS - 3] + "..."


def _leaf_vertex(t, names):
    role = PARAM if id(t) in names or is_parameter(t) else INPUT
    return Vertex(role, _tensor_name(t, names), (), t.shape, t.dtype, tensor=t)


def _intermediate_vertex(node, nr):
    shape, dtype = node.output_meta[nr]
    title = node.output_names[nr] if node.output_names is not None else None
    tensor = None
    if node._retained and nr in node._retained:
        tensor = node._retained[nr]()   # the user kept it with retain_grad()
    return Vertex(TENSOR, title, (), shape, dtype, tensor=tensor, module=node.module_path or None)


def _add_saved(g, node, op, names):
    """One dashed vertex per value ``node`` saved for backward, pointing at ``op``."""
    try:
        saved = node.saved_tensors
    except RuntimeError:     # backward already released them
        g.vertices[op].lines.append("saved tensors freed by backward()")
        return
    for t in saved:
        if t is None:
            continue
        if t.grad_fn is node:
            title = "saved output"
        else:
            # An input as it is, or an array wrapped as a Tensor that needs no grad
            # (a non-differentiable input such as the batch ``x``, or a mask).
            name = _tensor_name(t, names)
            title = "saved " + (name or ("input" if t.requires_grad else "tensor"))
        # Only the value is shown: a saved input's grad belongs to the input's own vertex.
        v = g.add(Vertex(SAVED, title, (), t.shape, t.dtype, array=t.data,
                         module=node.module_path or None))
        g.connect(v, op, kind="saved")


def simplify(g, ops_only=False, collapse_depth=None, show_shapes=True):
    """The ops-only and collapsed-module views of ``g``, as a new :class:`Graph`.

    Intermediate tensors become edge labels (their shape). With ``ops_only``
    leaf tensors are not drawn but listed (name and shape) on the op that
    uses them. With ``collapse_depth`` every op whose module path has at
    least one component joins the module named by its first ``collapse_depth``
    components; a parameter used only inside one such module is absorbed into it.
    The new graph's ``rep`` says which new vertex stands for each old one.
    """
    pred, succ = g.neighbours()
    v_of = g.vertices
    group_of: dict[int, str] = {}
    if collapse_depth:
        for i, v in enumerate(v_of):
            if v.role == OP and v.module:
                group_of[i] = ".".join(v.module.split(".")[:collapse_depth])
    uses = _leaf_uses(v_of, succ, show_shapes) if ops_only else {}
    absorbed: dict[int, str] = {}        # leaf vertex -> module key
    for i, v in enumerate(v_of):
        if v.role == PARAM and collapse_depth:
            keys = {group_of.get(s) for s in succ[i]}
            only = keys.pop() if len(keys) == 1 else None
            if only is not None:
                absorbed[i] = only

    new = Graph()
    new.ops_total, new.ops_hidden = g.ops_total, g.ops_hidden
    new.rep = rep = [None] * len(v_of)
    groups = {}          # module key -> [vertex index, op names, n params, n values]
    for i, v in enumerate(v_of):
        if i in group_of:
            key = group_of[i]
            if key not in groups:
                parent = key.rsplit(".", 1)[0] if "." in key else None
                groups[key] = [new.add(Vertex(MODULE, key, module=parent)), [], 0, 0]
            groups[key][1].append(v.title)
            rep[i] = groups[key][0]
        elif v.role == TENSOR or i in absorbed or (v.role in (PARAM, INPUT) and ops_only):
            continue
        elif v.role == SAVED and any(s in group_of for s in succ[i]):
            continue
        else:
            copy = v.copy()
            copy.lines += ["+ " + name for name in uses.get(i, ())]
            rep[i] = new.add(copy)
    for i, owner in absorbed.items():
        groups[owner][2] += 1
        groups[owner][3] += int(np.prod(v_of[i].shape))
    for vi, op_names, n_params, n_values in groups.values():
        new.vertices[vi].lines = _group_lines(op_names, n_params, n_values)
    _connect_simplified(g, new, pred, succ)
    return new


def _leaf_uses(v_of, succ, show_shapes):
    """op vertex -> the leaves it reads, as ``name (shape)`` lines to list on it."""
    uses: dict[int, list[str]] = {}
    for i, v in enumerate(v_of):
        if v.role in (PARAM, INPUT):
            text = " ".join(p for p in (v.title or v.role,
                                        _shape_text(v.shape) if show_shapes else None) if p)
            for s in succ[i]:
                uses.setdefault(s, []).append(text)
    return uses


def _group_lines(op_names, n_params, n_values):
    """The label lines of a collapsed module: its ops (forward order) and parameter count."""
    kinds = list(dict.fromkeys(reversed(op_names)))   # forward order reads naturally
    ops = f"{len(op_names)} op{'s' if len(op_names) != 1 else ''}: " + ", ".join(kinds[:4])
    lines = [ops + (", ..." if len(kinds) > 4 else "")]
    if n_params:
        lines.append(f"{n_params} parameter{'s' if n_params != 1 else ''}, {n_values:,} values")
    return lines


def _connect_simplified(g, new, pred, succ):
    """Edges of ``new``: old edges between kept vertices, and one per path through a tensor."""
    v_of, rep = g.vertices, new.rep
    for src, dst, label, kind in g.edges:
        if v_of[src].role == TENSOR or v_of[dst].role == TENSOR:
            continue
        a, b = rep[src], rep[dst]
        if a is not None and b is not None and a != b:
            new.connect(a, b, label, kind, unique=True)
    for t, v in enumerate(v_of):
        if v.role != TENSOR:
            continue
        label = " ".join(p for p in (v.title, _shape_text(v.shape)) if p)
        for p in pred[t]:
            for c in succ[t]:
                a, b = rep[p], rep[c]
                if a is not None and b is not None and a != b:
                    new.connect(a, b, label, unique=True)


def _shape_text(shape):
    return str(tuple(shape)) if shape is not None else None


def assign_modules(g):
    """Set ``module`` on tensor vertices so clusters hold what belongs to them.

    Ops (and collapsed modules) carry their own path. An intermediate tensor
    lives with the op that made it, a saved tensor with the op that saved it.
    A parameter goes to the module its name says (``fc1.weight`` → ``fc1``),
    or else to the one module that uses it. Inputs and outputs stay outside.
    """
    pred, succ = g.neighbours()
    known = {}   # a dict, for first-seen order: set order would change between runs
    for v in g.vertices:
        if v.role in (OP, MODULE) and v.module:
            parts = v.module.split(".")
            known.update(dict.fromkeys(".".join(parts[:k]) for k in range(1, len(parts) + 1)))
    for i, v in enumerate(g.vertices):
        if v.role == TENSOR:
            v.module = next((g.vertices[p].module for p in pred[i]), None)
        elif v.role == SAVED:
            v.module = next((g.vertices[s].module for s in succ[i]), None)
        elif v.role == PARAM:
            prefix = v.title.rsplit(".", 1)[0] if v.title and "." in v.title else None
            if prefix in known:
                v.module = prefix
            else:
                users = {g.vertices[s].module for s in succ[i]}
                v.module = users.pop() if len(users) == 1 else None
        elif v.role in (INPUT, OUTPUT, MORE):
            v.module = None
    return list(known)
