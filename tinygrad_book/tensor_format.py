"""``repr`` of a Tensor in PyTorch's layout."""
from typing import Any

import numpy as np


def format_tensor(t):
    """PyTorch's layout: ``tensor([1.0000, 2.5000], dtype=float64, grad_fn=<MulBackward>)``."""
    data = t.data
    extras = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            extras.append(f"size={data.shape}")
    else:
        options: dict[str, Any] = {"separator": ", ", "prefix": "tensor(", "threshold": 1000,
                                   "edgeitems": 3}
        if data.dtype.kind == "f":
            options["formatter"] = {"float_kind": _float_formatter(data)}
        body = np.array2string(data, **options)
    if data.dtype not in (np.float32, np.int64, np.bool_):
        extras.append(f"dtype={data.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


def _float_formatter(data):
    """Like PyTorch: ``1.`` for whole numbers, 4 decimals, or scientific for wide ranges."""
    finite = data[np.isfinite(data)].astype(np.float64)
    magnitude = np.abs(finite[finite != 0])
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        fmt = "{:.0f}."
    elif magnitude.size and (magnitude.max() / magnitude.min() > 1000 or magnitude.max() > 1e8
                             or magnitude.min() < 1e-4):
        fmt = "{:.4e}"
    else:
        fmt = "{:.4f}"

    def text(v):
        return fmt.format(v) if np.isfinite(v) else str(v)

    # Every entry gets the width of the widest, so columns line up.
    extremes = [finite.min(), finite.max()] if finite.size else []
    if magnitude.size:
        extremes += [magnitude.min(), magnitude.max()]
    width = max([len(text(v)) for v in extremes] + [len(text(v)) for v in
                                                    data[~np.isfinite(data)][:1]] + [1])
    if np.isneginf(data).any():
        width = max(width, 4)
    return lambda v: text(v).rjust(width)
