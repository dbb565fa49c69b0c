"""State dicts and dtype conversion: the ``Module`` methods that read or write all of its
tensors at once (``state_dict``, ``load_state_dict``, ``to``/``float``/``double``), and
the functions behind them: listing a module's saved tensors and loading values into them.

Loading validates everything first and copies only when all checks pass, so
a checkpoint that does not fit leaves the model exactly as it was.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from ...registry import constant
from ...tensor import Tensor

if TYPE_CHECKING:
    from .module import Module


def state_items(module, prefix=""):
    """``(dotted_key, Tensor)`` for every parameter and persistent buffer, as PyTorch lists them.

    Shared submodules and tied parameters appear under each of their names,
    as in ``torch.nn.Module.state_dict``.
    """
    for module_prefix, m in module.named_modules(prefix=prefix, remove_duplicate=False):
        d = m.__dict__
        dot = module_prefix + "." if module_prefix else ""
        for name, p in d["_parameters"].items():
            if p is not None:
                yield dot + name, p
        for name, b in d["_buffers"].items():
            if b is not None and name not in d["_non_persistent_buffers"]:
                yield dot + name, b


def _as_array(value):
    """The array behind a state-dict value: ndarray, Tensor, number, or a torch tensor."""
    if isinstance(value, Tensor):
        arr = value.data
    elif isinstance(value, np.ndarray):
        arr = value
    elif hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor
        arr = value.detach().cpu().numpy()
    else:
        arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"expected a numeric array, got {type(value).__name__} "
                        f"(dtype {arr.dtype})")
    return arr


def load_state(module, state_dict, strict):
    """Check ``state_dict`` against ``module`` and copy it in; see ``Module.load_state_dict``."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
    expected = OrderedDict(state_items(module))
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    errors, pending = [], []
    if strict:
        if unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.append("Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
    for key, target in expected.items():
        if key not in state_dict:
            continue
        try:
            arr = _as_array(state_dict[key])
        except (TypeError, ValueError) as exc:
            errors.append(f'While copying the parameter named "{key}": {exc}.')
            continue
        if arr.shape != target.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape {arr.shape} "
                          f"from checkpoint, the shape in current model is {target.shape}.")
        else:
            pending.append((target, arr))
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))
    for target, arr in pending:
        if target.data.flags.writeable:
            np.copyto(target.data, arr, casting="unsafe")
        else:
            target.data = np.array(arr, dtype=target.data.dtype)
    return missing, unexpected


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` skipped; prints like PyTorch's."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class StateMethods:
    """Mixed into :class:`Module`: its state dict and its dtype, read and written wholesale."""

    if TYPE_CHECKING:  # what the mixin uses of Module, which defines it
        _parameters: dict[str, Tensor | None]
        _buffers: dict[str, Tensor | None]

        def modules(self) -> Iterator[Module]: ...

    def to(self, *args, dtype=None, device=None):
        """Convert floating point parameters and buffers to ``dtype``, in place.

        Accepts ``to(np.float64)``, ``to("float64")``, ``to(dtype=...)``; a
        device of ``"cpu"`` is accepted and ignored (everything lives in NumPy).
        Integer buffers (``num_batches_tracked``) keep their dtype, as in PyTorch.
        """
        for a in args:
            if isinstance(a, str) and not _is_dtype_name(a):
                device = a
            elif dtype is None:
                dtype = a
            else:
                raise TypeError(f"to() got an unexpected extra argument {a!r}")
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"to(): only the 'cpu' device exists here, got {device!r}")
        if dtype is None:
            return self
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"to(): {dtype!r} is not a dtype") from None
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                            f"desired dtype={dtype}")
        for m in self.modules():
            for t in list(m._parameters.values()) + list(m._buffers.values()):
                if t is None or t.data.dtype.kind != "f" or t.data.dtype == dtype:
                    continue
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = constant(t.grad.data.astype(dtype))
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def cpu(self):
        return self

    # -- state -----------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by dotted name (``"conv1.weight"``...).

        Values are NumPy copies (a snapshot that later training does not change),
        so ``torch_model.load_state_dict({k: torch.from_numpy(v) ...})`` and
        ``tinygrad_book.save`` take them directly. ``keep_vars=True`` gives the
        Tensors themselves.
        """
        out = OrderedDict() if destination is None else destination
        for name, t in state_items(self, prefix):
            out[name] = t if keep_vars else t.data.copy()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` (arrays, Tensors, or torch tensors) in place.

        Every key and shape is checked before anything is copied: with
        ``strict=True`` missing or unexpected keys, and always shape mismatches,
        raise a RuntimeError naming each one and leave the module unchanged.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        missing, unexpected = load_state(self, state_dict, strict)
        return _IncompatibleKeys(missing, unexpected)


def _is_dtype_name(text):
    try:
        np.dtype(text)
    except TypeError:
        return False
    return True
