"""Anomaly detection: find the op whose backward first produced NaN or Inf.

    with tinygrad_book.detect_anomaly():
        loss = model(x)            # each recorded op remembers the line that made it
        loss.backward()            # RuntimeError at the first non-finite gradient

As ``torch.autograd.detect_anomaly``: while active, every recorded op keeps
its forward call site (the innermost stack frame outside tinygrad_book), and
the engine checks the gradients each node's backward returns. The first one
holding NaN or Inf raises::

    RuntimeError: Function 'LogBackward' returned nan values in its 0th output
    (the gradient for input 0, shape (3,)).
    Forward call site: train.py:12 in step: y = x.log()

No leaf's ``.grad`` is changed when it raises (leaves are only written once
the whole backward has succeeded). The check costs a pass over every gradient
and recording a call site costs a stack walk per op, so use it to debug, not
to train; when it is off, autograd only tests one flag per op and per node.
Forward values are not checked (nor are they in PyTorch): a NaN loss is
already visible, and this tells where its gradient went wrong.
"""
import functools
import linecache
import sys
from types import FrameType

import numpy as np


class _State:
    enabled = False


def is_anomaly_enabled():
    """True while :class:`detect_anomaly` (or ``set_detect_anomaly(True)``) is active."""
    return _State.enabled


class set_detect_anomaly:
    """Switch anomaly detection on or off; as a ``with`` block it switches back after.

    Called plainly (``set_detect_anomaly(True)``) it changes the mode at once,
    as PyTorch's ``torch.autograd.set_detect_anomaly`` does.
    """

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_detect_anomaly(mode): mode must be True or False, got "
                            f"{mode!r}")
        self.prev = _State.enabled
        self.mode = mode
        _State.enabled = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _State.enabled = self.prev
        return False


class detect_anomaly:
    """Context manager (and decorator) that turns on anomaly detection inside.

    Ops recorded inside remember where they were called; a backward run
    inside raises RuntimeError at the first node whose gradient holds NaN or
    Inf, naming the op and that call site. The previous mode is restored on
    exit, also when an exception leaves the block.
    """

    def __enter__(self):
        self.prev = _State.enabled
        _State.enabled = True
        return self

    def __exit__(self, *exc):
        _State.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper


# -- the two hooks autograd calls while the mode is on -----------------------------------

def record_call_site(ctx):
    """Store on ``ctx`` the innermost frame outside tinygrad_book: (file, line, function).

    Frames are told apart by their module's ``__name__`` rather than their path,
    since ``nn`` and ``optim`` live outside the ``tinygrad_book`` folder. The
    source line is read only if an error is reported.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != "tinygrad_book" and not module.startswith("tinygrad_book."):
            code = frame.f_code
            ctx.forward_site = (code.co_filename, frame.f_lineno, code.co_name)
            return
        frame = frame.f_back


def check_gradients(node, grads):
    """Raise RuntimeError if a gradient returned by ``node``'s backward holds NaN or Inf."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        # A backward may return a Tensor, an array or a number (the engine wraps them).
        arr = g if isinstance(g, np.ndarray) else np.asarray(getattr(g, "data", g))
        if arr.dtype.kind not in "fc" or np.isfinite(arr).all():
            continue
        kind = "nan" if np.isnan(arr).any() else "inf"
        raise RuntimeError(
            f"Function '{node.name()}' returned {kind} values in its {_ordinal(i)} output "
            f"(the gradient for input {i}, shape {arr.shape}).\n{_describe_site(node)}")


def _describe_site(node):
    site = node.forward_site
    where = f" inside module '{node.module_path}'" if node.module_path else ""
    if site is None:
        return (f"No forward call site was recorded for it{where}: the op was created outside "
                "detect_anomaly(); run the forward pass inside it too.")
    filename, lineno, function = site
    line = linecache.getline(filename, lineno).strip()
    text = f"Forward call site{where}: {filename}:{lineno} in {function}"
    return text + (f": {line}" if line else "")


def _ordinal(i):
    if i % 100 in (11, 12, 13):
        return f"{i}th"
    return f"{i}" + {1: "st", 2: "nd", 3: "rd"}.get(i % 10, "th")
