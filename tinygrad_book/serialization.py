"""Checkpoints: ``save(obj, path)`` / ``load(path)`` as one ``.npz`` file, no pickle.

What can be saved: nested dicts, lists and tuples whose leaves are NumPy
arrays, Tensors (Parameters stay Parameters), NumPy scalars, Python ``int``,
``float``, ``bool``, ``str`` and ``None`` — a model's ``state_dict()`` and an
optimizer's (integer keys, ``param_groups`` of dicts with tuples) alike.
Dict keys may be ``str``, ``int``, ``float``, ``bool``, ``None`` or tuples of
those; keys, container types and dtypes all survive the round trip.

The file holds every array as its own ``.npy`` entry and the structure as
JSON in one more (``uint8``) entry. It is written to a temporary file in the
same directory and renamed over ``path`` (``os.replace``), so a crash mid-write
leaves any previous checkpoint intact. It is read with
``np.load(allow_pickle=False)``: loading a file never runs code, and a file
that carries pickled objects is refused.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

_STRUCTURE = "__tinygrad_book_structure__"
_FORMAT = "tinygrad_book.checkpoint"
_VERSION = 1
_KEY_TYPES = (str, int, float, bool, type(None))


def save(obj, path):
    """Write ``obj`` to ``path`` (a path, used exactly as given, or a writable binary file).

    Raises TypeError naming the position of anything that cannot be stored
    without pickle (e.g. ``obj['state'][0]['buf']: got set``); the target file
    is not touched in that case.
    """
    arrays = {}
    tree = _encode(obj, arrays, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "root": tree},
                        separators=(",", ":"))
    arrays[_STRUCTURE] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a directory; give a file name inside it, "
                                f"e.g. {os.path.join(path, 'checkpoint.npz')!r}")
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot write {path!r}: the directory {directory!r} "
                                "does not exist (create it first, e.g. with os.makedirs)")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-" + os.path.basename(path) + "-")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path):
    """Read what :func:`save` wrote. Arrays come back as NumPy arrays, Tensors as Tensors.

    A missing file raises FileNotFoundError; a truncated, corrupt or foreign
    file (or one carrying pickled objects) raises ValueError naming ``path``.
    """
    name = path if hasattr(path, "read") else os.fspath(path)
    if not hasattr(path, "read") and not os.path.exists(name):
        raise FileNotFoundError(f"load: no such file: {name!r}")
    try:
        if hasattr(path, "read"):
            return _read(path)
        # Opened here rather than by np.load, which leaks its handle when a damaged
        # .npz fails to open as a zip.
        with open(name, "rb") as f:
            return _read(f)
    except _Refused as exc:
        raise ValueError(f"load: cannot load {name!r}: {exc}") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError,
            UnicodeDecodeError) as exc:
        if isinstance(exc, ValueError) and "pickle" in str(exc).lower():
            raise ValueError(f"load: cannot load {name!r}: it is a pickle, which could run "
                             "code when loaded; checkpoints are .npz files written by "
                             "tinygrad_book.save") from None
        raise ValueError(f"load: {name!r} is truncated, corrupt or not a tinygrad_book "
                         f"checkpoint ({type(exc).__name__}: {exc})") from None


class _Refused(Exception):
    pass


def _read(source):
    npz = np.load(source, allow_pickle=False)
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise _Refused("it is a single .npy array, not a tinygrad_book checkpoint "
                       "(.npz written by tinygrad_book.save)")
    with npz:
        if _STRUCTURE not in npz.files:
            raise _Refused(f"it is an .npz without the {_STRUCTURE!r} entry, so not a "
                           "tinygrad_book checkpoint; read plain .npz files with numpy.load")
        header = _read_header(npz[_STRUCTURE])
        arrays = {}
        for key in npz.files:
            if key == _STRUCTURE:
                continue
            try:
                arrays[key] = npz[key]
            except ValueError as exc:
                if "pickle" in str(exc).lower():
                    raise _Refused(f"entry {key!r} holds pickled Python objects, which "
                                   "could run code when loaded; refusing to load it") from None
                raise
        return _decode(header["root"], arrays)


def _read_header(raw):
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Refused("its structure entry is not a uint8 byte string")
    header = json.loads(raw.tobytes().decode("utf-8"))
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
    from .tensor import Tensor

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
        node["t"] = "parameter" if type(obj).__name__ == "Parameter" else "tensor"
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
    from .tensor import Tensor

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
    # nn sits above the core, so it is looked up only when a Parameter was saved.
    import importlib

    Parameter = importlib.import_module("tinygrad_book.nn").Parameter
    return Parameter(arr, requires_grad=bool(requires_grad))
