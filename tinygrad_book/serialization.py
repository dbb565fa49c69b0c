"""Checkpoints: ``save(obj, path)`` / ``load(path)`` as one ``.npz`` file, no pickle.

What can be saved: nested dicts, lists and tuples whose leaves are NumPy
arrays, Tensors (Parameters stay Parameters), NumPy scalars, Python ``int``,
``float``, ``bool``, ``str`` and ``None`` — a model's ``state_dict()`` and an
optimizer's (integer keys, ``param_groups`` of dicts with tuples) alike.
Dict keys may be ``str``, ``int``, ``float``, ``bool``, ``None`` or tuples of
those; keys, container types and dtypes all survive the round trip.

The file holds every array as its own ``.npy`` entry and the structure as
JSON in one more (``uint8``) entry. It is written to a temporary file in the
same directory and renamed over ``path`` (``os.replace``, see safe_write.py),
so a crash mid-write leaves any previous checkpoint intact. It is read member
by member (_checkpoint_members.py) without pickle: loading a file never runs
code, and a file that carries pickled objects is refused.
"""
import json
import os
import zipfile
from typing import Any

import numpy as np

from ._checkpoint_members import (
    MAX_DEPTH,
    Refused,
    check_depth,
    read_member,
    references,
    what_it_is,
)
from .parameter import Parameter
from .safe_write import write_atomically
from .tensor import Tensor

_STRUCTURE = "__tinygrad_book_structure__"
_FORMAT = "tinygrad_book.checkpoint"
_VERSION = 1
_KEY_TYPES = (str, int, float, bool, type(None))


def save(obj, path):
    """Write ``obj`` to ``path`` (a path, used exactly as given, or a writable binary file).

    Raises TypeError naming the position of anything that cannot be stored
    without pickle (e.g. ``obj['state'][0]['buf']: got set``), and ValueError for
    a structure nested more than ``MAX_DEPTH`` deep or a ``path`` that is not a
    regular file or a new path (``/dev/null``); the target is not touched then.
    The file is written as :func:`tinygrad_book.safe_write.write_atomically`
    describes: atomically, through symlinks, keeping hard links and modes.
    """
    check_depth(obj, "save: cannot store obj")
    arrays: dict[str, Any] = {}   # member name -> array
    tree = _encode(obj, arrays, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "root": tree},
                        separators=(",", ":"))
    arrays[_STRUCTURE] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    # np.savez is looked up at call time, so a test can make it fail mid-write.
    write_atomically(path, lambda f: np.savez(f, **arrays), "save")


def load(path):
    """Read what :func:`save` wrote. Arrays come back as NumPy arrays, Tensors as Tensors.

    Only the members the structure refers to are read, each checked against its
    declared shape before any memory is taken. A missing file raises
    FileNotFoundError; a truncated, corrupt or foreign file (or one carrying
    pickled objects) raises ValueError naming ``path`` (and the member at fault).
    """
    name = path if hasattr(path, "read") else os.fspath(path)
    if not hasattr(path, "read") and not os.path.exists(name):
        raise FileNotFoundError(f"load: no such file: {name!r}")
    try:
        if hasattr(path, "read"):
            return _read(path)
        with open(name, "rb") as f:
            return _read(f)
    except _Refused as exc:
        raise ValueError(f"load: cannot load {name!r}: {exc}") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError,
            UnicodeDecodeError, NotImplementedError) as exc:
        raise ValueError(f"load: {name!r} is truncated, corrupt or not a tinygrad_book "
                         f"checkpoint ({type(exc).__name__}: {exc})") from None


_Refused = Refused


def _read(source):
    start = source.tell() if hasattr(source, "tell") else 0
    head = source.read(64)
    source.seek(start)
    if not head.startswith(b"PK"):
        raise _Refused(what_it_is(head, source))
    with zipfile.ZipFile(source) as zf:
        members = {n[:-4] if n.endswith(".npy") else n: n for n in zf.namelist()}
        if _STRUCTURE not in members:
            raise _Refused(f"it is an .npz without the {_STRUCTURE!r} entry, so not a "
                           "tinygrad_book checkpoint; read plain .npz files with numpy.load")
        header = _read_header(read_member(zf, members[_STRUCTURE], _STRUCTURE))
        root = header["root"]
        check_depth(root, "its structure", json_tree=True)
        arrays = {}
        for ref in references(root):
            if ref not in members:
                raise _Refused(f"its structure refers to a missing array entry {ref!r}")
            arrays[ref] = read_member(zf, members[ref], ref)
        return _decode(root, arrays)


def _read_header(raw):
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Refused("its structure entry is not a uint8 byte string")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except RecursionError:
        raise _Refused(f"its structure is nested more than {MAX_DEPTH} deep") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise _Refused("its structure entry does not carry the tinygrad_book format tag")
    if header.get("version") != _VERSION:
        raise _Refused(f"it was written in checkpoint format version {header.get('version')!r}"
                       f"; this version reads {_VERSION}")
    return header


# -- encoding: Python objects -> JSON nodes + named arrays -------------------------------
#
# Python scalars, strings and None are stored as plain JSON values (JSON keeps
# int, float and bool apart). Containers and arrays become tagged objects, the
# only JSON objects in the tree, so the two can never be confused.

def _encode(obj, arrays, where):
    if isinstance(obj, np.generic):
        # Before the Python checks: np.float64 is a float subclass, yet must keep its dtype.
        node = _encode_array(np.asarray(obj), arrays, where)
        node["t"] = "scalar"
        return node
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else {"t": "float", "v": repr(obj)}
    if isinstance(obj, Tensor):
        node = _encode_array(obj.data, arrays, where)
        node["t"] = "parameter" if isinstance(obj, Parameter) else "tensor"
        node["requires_grad"] = bool(obj.requires_grad)
        return node
    if isinstance(obj, np.ndarray):
        return _encode_array(obj, arrays, where)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            items.append([_encode_key(k, where), _encode(v, arrays, f"{where}[{k!r}]")])
        return {"t": "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {"t": kind, "items": [_encode(v, arrays, f"{where}[{i}]")
                                     for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store {where}: got {type(obj).__name__}; supported are "
                    "dicts, lists, tuples, arrays, Tensors, numbers, strings and None")


def _encode_array(arr, arrays, where):
    if arr.dtype.hasobject:
        raise TypeError(f"save: cannot store {where}: an object array needs pickle, "
                        "which checkpoints never use")
    ref = f"a{len(arrays)}"
    arrays[ref] = arr
    return {"t": "array", "ref": ref}


def _encode_key(key, where):
    if isinstance(key, tuple):
        return {"t": "tuple", "items": [_encode_key(k, where) for k in key]}
    if isinstance(key, np.generic):
        key = key.item()
    if not isinstance(key, _KEY_TYPES):
        raise TypeError(f"save: cannot store a dict key of type {type(key).__name__} in "
                        f"{where}; keys must be str, int, float, bool, None or tuples of them")
    return _encode(key, {}, where)


def _decode(node, arrays):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict):
        raise _Refused(f"unexpected {type(node).__name__} in its structure")
    kind = node.get("t")
    if kind == "dict":
        return {_decode(k, arrays): _decode(v, arrays) for k, v in node["items"]}
    if kind == "list":
        return [_decode(v, arrays) for v in node["items"]]
    if kind == "tuple":
        return tuple(_decode(v, arrays) for v in node["items"])
    if kind == "float":
        return float(node["v"])
    if kind in ("array", "tensor", "parameter", "scalar"):
        ref = node.get("ref")
        if ref not in arrays:
            raise _Refused(f"its structure refers to a missing array entry {ref!r}")
        arr = arrays[ref]
        if kind == "array":
            return arr
        if kind == "scalar":
            return arr[()]
        if kind == "parameter":
            return _parameter(arr, node.get("requires_grad", True))
        return Tensor(arr, requires_grad=bool(node.get("requires_grad", False)))
    raise _Refused(f"unknown node type {kind!r} in its structure")


def _parameter(arr, requires_grad):
    return Parameter(arr, requires_grad=bool(requires_grad))
