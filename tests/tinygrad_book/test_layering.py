"""The house's layers hold: imports point downward only, and no two modules import
each other, not even from inside a function (DESIGN.md, "Layers of the house").

Every module of tinygrad_book/, nn/, optim/, examples/ and benchmarks/ is parsed
with ``ast``; every ``import``, ``from ... import`` (at any depth) and
``importlib.import_module("literal")`` call is an edge. The three top-level
``__init__.py`` files only re-export, so they are left out of the cycle check
(an import *of* ``nn`` or ``optim`` still counts for the layer check).
"""
import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Source folder -> the dotted package it is installed as.
PACKAGES = {"tinygrad_book": "tinygrad_book", "nn": "tinygrad_book.nn",
            "optim": "tinygrad_book.optim", "examples": "examples", "benchmarks": "benchmarks"}
REEXPORT_ONLY = {"tinygrad_book", "tinygrad_book.nn", "tinygrad_book.optim"}
# training.py's parts (evaluation, checkpointing, progress) sit with it.
UPPER = ("tinygrad_book.models", "tinygrad_book.data", "tinygrad_book.training",
         "tinygrad_book.evaluation", "tinygrad_book.checkpointing", "tinygrad_book.progress",
         "tinygrad_book.hyperparameter")
# Below tensor.py: they reach the Tensor type through registry, never by import.
BELOW_TENSOR = ("tinygrad_book.registry", "tinygrad_book.autograd", "tinygrad_book.context",
                "tinygrad_book.saved", "tinygrad_book.engine", "tinygrad_book.leaf_grads",
                "tinygrad_book.grad_mode", "tinygrad_book.anomaly", "tinygrad_book.ops")


def layer(module):
    """0 core, 1 nn and optim, 2 models/data/training/hyperparameter, 3 examples/benchmarks."""
    if module.startswith(("examples", "benchmarks")):
        return 3
    if _within(module, UPPER):
        return 2
    if _within(module, ("tinygrad_book.nn", "tinygrad_book.optim")):
        return 1
    return 0


def _within(module, prefixes):
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def find_modules():
    """Dotted name -> (path, whether it is a package's __init__)."""
    modules = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            is_init = parts[-1] == "__init__"
            if is_init:
                parts = parts[:-1]
            modules[".".join([package] + parts)] = (path, is_init)
    return modules


def imports_of(name, path, is_init, known):
    """``(target, line)`` for every import in the module, resolved to dotted names."""
    package = name if is_init else name.rpartition(".")[0]
    edges = []
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {id(n) for block in ast.walk(tree) if _is_type_checking_block(block)
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue  # `if TYPE_CHECKING:` imports never run: annotations only (issue 19)
        if isinstance(node, ast.Import):
            edges += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, package)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                edges.append((sub if sub in known else base, node.lineno))
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            target = node.args[0].value
            level = len(target) - len(target.lstrip("."))
            edges.append((_resolve(target[level:], level, package) if level else target,
                           node.lineno))
    return edges


def _is_type_checking_block(node):
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module, level, package):
    if not level:
        return module
    parts = package.split(".")
    base = parts[:len(parts) - level + 1]
    return ".".join(base + ([module] if module else []))


def _is_import_module(func):
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or \
        (isinstance(func, ast.Name) and func.id == "import_module")


@functools.lru_cache(maxsize=1)
def build_graph():
    modules = find_modules()
    graph = {}
    for name, (path, is_init) in modules.items():
        edges = {}
        for target, line in imports_of(name, path, is_init, modules):
            # Only our own modules; an import of a package's submodule counts as that module.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return modules, graph


def find_cycles(graph, skip=()):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    nodes = [n for n in graph if n not in skip]
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter([t for t in graph[start] if t in graph and t not in skip]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([t for t in graph[child]
                                              if t in graph and t not in skip])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def describe(graph, component):
    members = set(component)
    return "; ".join(f"{a} imports {b} (line {graph[a][b]})"
                     for a in component for b in graph[a] if b in members)


def test_the_checker_finds_a_planted_cycle_and_accepts_a_chain():
    assert find_cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == \
        [["a", "b", "c"]]
    assert find_cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {}}) == []
    assert find_cycles({"a": {"b": 1}, "b": {"a": 2}}, skip={"b"}) == []


def test_the_parser_sees_imports_inside_functions_and_importlib(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("import importlib\n"
                    "def f():\n    from ..tensor import Tensor\n"
                    "def g():\n    return importlib.import_module('tinygrad_book.nn')\n")
    targets = [t for t, _ in imports_of("tinygrad_book.ops.mod", path, False, set())]
    assert "tinygrad_book.tensor" in targets and "tinygrad_book.nn" in targets


def test_no_import_cycles():
    _, graph = build_graph()
    cycles = find_cycles(graph, skip=REEXPORT_ONLY)
    assert not cycles, "import cycles:\n" + "\n".join(describe(graph, c) for c in cycles)


def test_imports_point_downward():
    modules, graph = build_graph()
    assert len(modules) > 50  # the walk found the house
    breaches = [f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)}) at line {line}"
                for a, edges in graph.items() for b, line in edges.items()
                if a not in REEXPORT_ONLY and layer(a) < layer(b)]
    assert not breaches, "\n".join(breaches)


@pytest.mark.parametrize("lower", BELOW_TENSOR)
def test_the_layers_below_tensor_get_the_type_by_registration(lower):
    _, graph = build_graph()
    breaches = [f"{a} imports {b} (line {line})" for a, edges in graph.items()
                if _within(a, (lower,)) for b, line in edges.items()
                if b in ("tinygrad_book.tensor", "tinygrad_book.parameter") or
                _within(b, ("tinygrad_book.viz",))]
    assert not breaches, "\n".join(breaches)


def test_tensor_does_not_import_viz():
    _, graph = build_graph()
    assert not [b for b in graph["tinygrad_book.tensor"] if _within(b, ("tinygrad_book.viz",))]
