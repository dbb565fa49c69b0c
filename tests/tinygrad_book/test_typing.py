"""The public API is annotated (issue 19): at least 95% of the public callables of
tinygrad_book, tinygrad_book.nn, tinygrad_book.nn.functional and tinygrad_book.optim, and of
Tensor's public methods, annotate every argument and their return. Counted with ``inspect``,
so the share stays true as the API grows; the unannotated ones are listed on failure."""
import inspect
import re
from pathlib import Path

import tinygrad_book as tb
from tinygrad_book import nn, optim
from tinygrad_book.nn import functional as F

ROOT = Path(__file__).resolve().parents[2]
NAMESPACES = {"tinygrad_book": tb, "tinygrad_book.nn": nn, "tinygrad_book.nn.functional": F,
              "tinygrad_book.optim": optim}
OURS = ("tinygrad_book",)
SHARE = 0.95


def _ours(obj):
    return getattr(obj, "__module__", "").startswith(OURS)


def _annotated(fn):
    """Every parameter (but self/cls) and the return are annotated."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True  # a builtin slot (nothing of ours to annotate)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and "." in fn.__qualname__:
        params = params[1:]
    if fn.__name__ == "__init__":
        returns = True  # PEP 484: __init__ may leave out `-> None` when an argument is annotated
    else:
        returns = sig.return_annotation is not inspect.Signature.empty
    return returns and all(p.annotation is not inspect.Parameter.empty for p in params)


def _class_methods(cls):
    """A class's own public methods (and __init__/__call__), defined in our code."""
    for name, member in vars(cls).items():
        if name.startswith("_") and name not in ("__init__", "__call__"):
            continue
        fn = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
        if isinstance(fn, property):
            fn = fn.fget
        if inspect.isfunction(fn) and _ours(fn):
            yield f"{cls.__qualname__}.{name}", fn


def public_callables():
    """``{qualified name: function}`` over the four namespaces and Tensor's methods."""
    found = {}
    for module in NAMESPACES.values():
        names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
        for name in names:
            obj = getattr(module, name)
            if inspect.isclass(obj) and _ours(obj):
                for qual, fn in _class_methods(obj):
                    found.setdefault(f"{obj.__module__}.{qual}", fn)
            elif inspect.isfunction(obj) and _ours(obj):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    for name in dir(tb.Tensor):
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        fn = inspect.getattr_static(tb.Tensor, name)
        fn = fn.fget if isinstance(fn, property) else fn
        fn = fn.__func__ if isinstance(fn, (staticmethod, classmethod)) else fn
        if inspect.isfunction(fn) and _ours(fn):
            found.setdefault(f"{fn.__module__}.{fn.__qualname__}", fn)
    return found


def test_public_api_is_annotated():
    found = public_callables()
    missing = sorted(name for name, fn in found.items() if not _annotated(fn))
    share = 1 - len(missing) / len(found)
    print(f"{len(found) - len(missing)} of {len(found)} public callables annotated ({share:.1%})")
    assert len(found) > 300, "the count found too few callables: the walk is broken"
    assert share >= SHARE, (f"only {share:.1%} of {len(found)} public callables are annotated "
                            f"(need {SHARE:.0%}); not annotated:\n  " + "\n  ".join(missing))


def test_every_type_ignore_names_its_code_and_reason():
    """`# type: ignore[code]  # why`: mypy's ignore-without-code checks the code; this the why."""
    bad = []
    for folder in ("tinygrad_book", "nn", "optim", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            for i, line in enumerate(path.read_text().splitlines(), 1):
                if "# type: ignore" in line and not re.search(
                        r"#\s*type:\s*ignore\[[\w,-]+\]\s*(#\s*\S|\(\S)", line):
                    bad.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not bad, "type: ignore without [code] and a reason:\n" + "\n".join(bad)


def test_type_checkers_see_every_registered_tensor_method():
    """tinygrad_book/_tensor_api.py (read by type checkers only) lists exactly the registered
    methods, each naming the registered function itself: a new op adds its line there."""
    from tinygrad_book import _tensor_api, registry

    declared = {k: v for k, v in vars(_tensor_api.TensorMethods).items()
                if k in registry._methods or not k.startswith("__")}
    missing = sorted(set(registry._methods) - set(declared))
    extra = sorted(set(declared) - set(registry._methods))
    lines = [f"    {name} = _{fn.__module__.rsplit('.', 1)[1]}.{fn.__name__}"
             for name, fn in registry._methods.items() if name in missing]
    assert not missing and not extra, (
        f"tinygrad_book/_tensor_api.py is out of step with the registry: remove {extra}; add "
        "(in class TensorMethods, importing the op module as _<module> if new):\n"
        + "\n".join(lines))
    wrong = sorted(k for k, fn in declared.items() if fn is not registry._methods[k])
    assert not wrong, f"_tensor_api names other functions than the registry for {wrong}"
