"""Reading a checkpoint's pieces without trusting them: what ``load`` stands on.

* ``read_member`` reads one ``.npy`` member of the zip: its header first, and
  the data only if the declared shape and dtype fit in the member's bytes (a
  declared shape of (1e5, 1e5) in a small file is refused, not allocated);
  never an object (pickled) array.
* ``references`` lists the members a structure refers to, so that members it
  does not mention are never decompressed.
* ``check_depth`` bounds nesting (of the object to save, or of the loaded
  structure) iteratively, so neither side can hit Python's recursion limit.
* ``what_it_is`` names a file that is not a zip archive: a pickle, a lone
  ``.npy`` array, an image, a text file.
"""
from typing import Any

import numpy as np

MAX_DEPTH = 100  # a model's or optimizer's state_dict is about 5 deep


class Refused(Exception):
    """The file is not a checkpoint this version can read; the message says why."""


def _npy_header(fp):
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fp)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fp)
    raise Refused(f"it holds an .npy member of format version {version}, which this version "
                  "does not read")


def _pickled(ref):
    return Refused(f"entry {ref!r} holds pickled Python objects, which could run code when "
                   "loaded; refusing to load it")


def read_member(zf, member, ref):
    """The array stored in zip member ``member`` (called ``ref`` in messages), checked."""
    info = zf.getinfo(member)
    with zf.open(info) as fp:
        shape, fortran, dtype = _npy_header(fp)
        if dtype.hasobject:
            raise _pickled(ref)
        need = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize  # float: no overflow
        have = info.file_size - fp.tell()
        if need > have:
            raise Refused(f"entry {ref!r} declares an array of shape {shape} and dtype {dtype} "
                          f"({need:,} bytes) but holds only {max(have, 0):,} bytes")
        try:
            buffer = np.empty(need, dtype=np.uint8)
        except MemoryError:
            raise Refused(f"entry {ref!r} declares an array of {need:,} bytes, more than "
                          "this machine can hold") from None
        view, filled = buffer.data, 0   # a memoryview of the new array
        while filled < need:
            n = fp.readinto(view[filled:])
            if not n:
                raise EOFError(f"entry {ref!r} ends after {filled:,} of {need:,} bytes")
            filled += n
    if dtype.itemsize == 0:
        return np.empty(shape, dtype=dtype)
    return buffer.view(dtype).reshape(shape, order="F" if fortran else "C")


def _children(node):
    """The JSON nodes directly inside a structure node (containers and tuple keys)."""
    if isinstance(node, dict) and node.get("t") in ("dict", "list", "tuple"):
        items = node.get("items")
        if isinstance(items, list):
            for item in items:
                if node["t"] == "dict" and isinstance(item, list):
                    yield from item
                else:
                    yield item


def references(root):
    """Array member names a (JSON) structure refers to, in order, each once."""
    seen: dict[Any, None] = {}   # an ordered set
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and node.get("t") in ("array", "tensor", "parameter",
                                                        "scalar"):
            seen.setdefault(node.get("ref"), None)
        stack.extend(reversed(list(_children(node))))
    return list(seen)


def _python_children(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, tuple):
                yield k
            yield v
    elif isinstance(obj, (list, tuple)):
        yield from obj


def check_depth(root, what, json_tree=False):
    """Raise (ValueError, or Refused for a loaded structure) if containers in ``root`` nest
    more than MAX_DEPTH deep; a container that holds itself is caught the same way."""
    children = _children if json_tree else _python_children
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            message = (f"{what} is nested more than {MAX_DEPTH} deep (or contains itself); "
                       "checkpoints hold state dicts, a few levels deep")
            raise Refused(message) if json_tree else ValueError(message)
        for child in children(node):
            if isinstance(child, (dict, list, tuple)):
                stack.append((child, depth + 1))


def what_it_is(head, source):
    """Why a file starting with the bytes ``head`` (not a zip archive) is not a checkpoint."""
    not_ours = "not a tinygrad_book checkpoint (an .npz written by tinygrad_book.save)"
    if head.startswith(b"\x93NUMPY"):
        start = source.tell()
        _, _, dtype = _npy_header(source)
        source.seek(start)
        if dtype.hasobject:
            return ("it is a pickle, which could run code when loaded; checkpoints are .npz "
                    "files written by tinygrad_book.save")
        return f"it is a single .npy array, {not_ours}"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return ("it is a pickle, which could run code when loaded; checkpoints are .npz "
                "files written by tinygrad_book.save")
    if not head:
        return f"it is empty, {not_ours}"
    for magic, kind in ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                        (b"\x1f\x8b", "gzip-compressed"), (b"%PDF", "a PDF document")):
        if head.startswith(magic):
            return f"it is {kind}, {not_ours}"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3 or b"\x00" in head:  # not a character cut at the end
            return f"it is {not_ours}; it starts with the bytes {head[:8]!r}"
    return f"it is a text file (starting {head[:24]!r}), {not_ours}"
