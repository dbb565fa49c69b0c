"""State dicts: listing a module's saved tensors and loading values into them.

Loading validates everything first and copies only when all checks pass, so
a checkpoint that does not fit leaves the model exactly as it was.
"""
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from ...tensor import Tensor


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
