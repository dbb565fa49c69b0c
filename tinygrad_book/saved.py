"""What a node keeps for backward, and the version counters that guard it.

A node saves arrays in ``forward``; once the op is recorded they are
resolved (``resolve_saved``) into the arrays themselves and, beside them,
what each one *is*: a link to one of the node's inputs or outputs, a Tensor
input that needs no gradient, or a constant. Saved tensors remember their
version; reading them in backward after an in-place change raises in
PyTorch's words (``modified``).
"""
import threading
from typing import Any, NoReturn

import numpy as np

from . import registry


class VersionCounter:
    """How many in-place changes a tensor's memory has seen, shared by the tensors
    that share the memory (views, ``detach()``). A node that saved a tensor
    remembers the count; backward compares it (one integer per saved tensor)."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


# Every in-place change of any tensor, counted: a node notes the count when it
# saves, and backward compares its saved versions only if the count moved since,
# so the common backward (nothing changed in place) pays one comparison per node.
# The lock keeps the count exact when threads change tensors at once.
all_changes = VersionCounter()
_change_lock = threading.Lock()


def bump(vc):
    """Count one in-place change of the memory whose counter is ``vc``."""
    with _change_lock:
        vc.value += 1
        all_changes.value += 1


def holds_array(value):
    """Whether ``value`` is an array or a tuple/list holding one (what release() drops)."""
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, (tuple, list)):
        # (A loop, not any(<generator>): this runs on every ctx attribute of every
        # node after backward, and most are short tuples of ints, i.e. shapes.)
        for v in value:
            if isinstance(v, np.ndarray):
                return True
    return False


def freed(ctx: Any) -> NoReturn:
    raise RuntimeError(
        f"Trying to backward through {ctx.name()} a second time (or to read its "
        "saved tensors after they were freed). Saved arrays are released after "
        "backward; call .backward(retain_graph=True) the first time if you need "
        "to backward through the graph again.")


def modified(ctx: Any, array: Any, found: int, expected: int) -> NoReturn:
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{array.dtype} tensor of shape {tuple(array.shape)}], saved by "
        f"{ctx.name()}, is at version {found}; expected version {expected} instead. Hint: "
        "it was changed in place (a *_ method, t[...] = ..., an augmented operator, "
        "nn.init, an optimizer's step()) after the op saved it for backward, e.g. between "
        "two backward passes of a graph kept with retain_graph=True. Do the change out of "
        "place or after backward (or through .data, which autograd does not see).")


def share_view_counter(outs, args):
    """An output that is a view of an input's memory (reshape, a slice, a user op
    returning a view) shares that input's version counter, as PyTorch's views do:
    an in-place change through either is a change of both."""
    Tensor = registry.Tensor
    for out in outs:
        base = out.data.base
        if base is None:
            continue
        root = base if base.base is None else base.base
        for a in args:
            if isinstance(a, Tensor):
                data = a.data
                if data is root or data.base is root:
                    out._vc = a._version_counter()
                    if out.grad_fn is not None:
                        out.grad_fn.output_counter(out._output_nr, out._vc)
                    break


def resolve_saved(ctx, args, raw, produced, results, outs):
    """What forward saved, as backward will read it: arrays, and what each one is.

    Identity decides: a saved array that *is* an input's data or *is* what
    forward returned (``produced``; ``results`` are the same as arrays). The
    node keeps the arrays (``ctx._saved``) and, per array, a link
    (``ctx._saved_links``): an int for an output or an input that requires
    grad (see ``Context._linked``), the Tensor itself for an input needing no
    gradient (there is no edge to link through), None for a constant. Ints
    and arrays are not tracked by Python's collector, where a Tensor would be
    one more object per node for it to scan while a long graph is built.
    """
    epoch = all_changes.value  # before the versions: a change in between is then seen
    saved = ctx._saved
    arrays: list[Any] = []
    links: list[Any] = []
    versions = None
    n_raw = len(raw)
    for value in saved:
        vc = link = None
        # (A NumPy scalar too: what forward returned from a 0-d input.)
        if value.__class__ is np.ndarray or isinstance(value, np.generic):
            k = 0
            while k < n_raw and raw[k] is not value:
                k += 1
            if k < n_raw and args[k] is not value:  # input k's data
                a = args[k]
                link = -1 - k if a._requires_grad else a
                gf = a.grad_fn
                vc = a._vc if gf is None else output_counter_of(gf, a._output_nr)
            else:
                i = 0 if k == n_raw else len(produced)  # (an array argument: a constant)
                while i < len(produced) and produced[i] is not value:
                    i += 1
                if i < len(produced):
                    link = i
                    value = results[i]
                    vc = outs[i]._vc
                elif value.__class__ is not np.ndarray:
                    value = np.asarray(value)
        elif isinstance(value, registry.Tensor):
            link = value
            vc = value._vc
            value = value.data
        elif value is not None:
            value = np.asarray(value)
        if vc is not None:
            if versions is None:
                versions = [0] * len(saved)
            versions[len(arrays)] = vc.value
        arrays.append(value)
        links.append(link)
    ctx._saved = tuple(arrays)
    ctx._saved_links = tuple(links)
    ctx._saved_epoch = epoch
    if versions is not None:
        ctx._saved_versions = tuple(versions)


# The links of the common saves, shared rather than made per node: the output
# alone (tanh, exp, sigmoid), the first input, the first two inputs (mul, div).
_OUTPUT_ONLY: tuple[int, ...] = (0,)
_INPUT_0: tuple[int, ...] = (-1,)
_INPUTS_01: tuple[int, ...] = (-1, -2)


def resolve_common_saves(ctx, args, raw, r, out):
    """``resolve_saved`` for what most ops save, without its search: the single
    output ``r`` alone, or the first one or two inputs in order, each a Tensor
    requiring grad (a layer's input and weight). False: not such a save;
    resolve_saved does the general case."""
    epoch = all_changes.value  # (before the versions, as in resolve_saved)
    saved = ctx._saved
    n = len(saved)
    versions = None
    if n == 1 and saved[0] is r:
        if out._vc is not None:
            return False
        links = _OUTPUT_ONLY
    elif n <= 2 and n <= len(raw):
        for k in range(n):
            a = args[k]
            if saved[k] is not raw[k] or a is saved[k] or not a._requires_grad:
                return False
            gf = a.grad_fn
            vc = a._vc if gf is None else output_counter_of(gf, a._output_nr)
            if vc is not None and vc.value:  # (a weight after optimizer steps)
                if versions is None:
                    versions = [0] * n
                versions[k] = vc.value
        links = _INPUT_0 if n == 1 else _INPUTS_01
    else:
        return False
    ctx._saved_links = links
    ctx._saved_epoch = epoch
    if versions is not None:
        ctx._saved_versions = tuple(versions)
    return True


def output_counter_of(node, nr):
    """The version counter of output ``nr`` of ``node``, or None if none was made."""
    counters = node._output_counters
    return None if counters is None else counters.get(nr)
