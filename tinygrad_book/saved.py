"""What a node keeps for backward, and the version counters that guard it.

A node saves arrays in ``forward``; once the op is recorded they are
resolved (``resolve_saved``): an array that *is* an input's data becomes that
input Tensor, one that *is* an output a :class:`SavedOutput`, anything else
stays a constant array. Saved tensors remember their version; reading them
in backward after an in-place change raises in PyTorch's words (``modified``).
"""
import numpy as np

from . import registry


class VersionCounter:
    """How many in-place changes a tensor's memory has seen, shared by the tensors
    that share the memory (views, ``detach()``). A node that saved a tensor
    remembers the count; backward compares it (one integer per saved tensor)."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def holds_array(value):
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value)


def freed(ctx):
    raise RuntimeError(
        f"Trying to backward through {ctx.name()} a second time (or to read its "
        "saved tensors after they were freed). Saved arrays are released after "
        "backward; call .backward(retain_graph=True) the first time if you need "
        "to backward through the graph again.")


def modified(ctx, array, found, expected):
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
    """What forward saved, as backward will read it: links to inputs and outputs, constants.

    Identity decides: a saved array that *is* an input's data or *is* what
    forward returned (``produced``; ``results`` are the same as arrays). An
    output, or an input made by another op, is kept as ``(array, link)``
    (see ``Context._linked``): a tuple of an array and an int, which Python's
    collector stops tracking, where the Tensor would be one more object per
    node for it to scan. A leaf input (or one needing no gradient) is kept as
    the Tensor itself: it lives anyway. Constants stay arrays until read.
    Saved values that have a version counter have its value remembered.
    """
    saved = ctx._saved
    resolved = []
    versions = None
    for value in saved:
        if value.__class__ is np.ndarray or isinstance(value, np.generic):
            value = _identify(value, args, raw, produced, results)
        elif value is not None and not isinstance(value, registry.Tensor):
            value = np.asarray(value)
        vc = _counter_of(value, ctx, outs)
        if vc is not None:
            if versions is None:
                versions = [0] * len(saved)
            versions[len(resolved)] = vc.value
        resolved.append(value)
    ctx._saved = tuple(resolved)
    if versions is not None:
        ctx._saved_versions = tuple(versions)


def _counter_of(value, ctx, outs):
    """The version counter a saved value has now (None: none yet, version 0)."""
    if value is None or value.__class__ is np.ndarray:
        return None
    if value.__class__ is tuple:
        link = value[1]
        if link >= 0:
            return outs[link]._vc
        node, nr = ctx._linked(link)
        counters = node._output_counters
        return None if counters is None else counters.get(nr)
    return value._vc


def _identify(value, args, raw, produced, results):
    """A link to the input or output whose array ``value`` is, a leaf input Tensor,
    or a constant array."""
    for k in range(len(raw)):
        if raw[k] is value:
            a = args[k]
            if a is value:
                break
            if a.grad_fn is not None and a._requires_grad:
                return (value, -1 - k)
            return a
    for i in range(len(produced)):
        if produced[i] is value:
            return (results[i], i)
    return np.asarray(value)
