"""Grad mode: whether new operations are recorded into the graph, per thread.

``no_grad()`` is what optimizers and evaluation loops run under: ops still
compute, but no ``grad_fn`` is attached, so nothing is kept for backward.
Each of these works as a context manager and as a decorator, as in PyTorch.

The mode belongs to the calling thread, as in PyTorch: a ``no_grad`` block
in one thread never changes what another thread records, and each new thread
starts with recording on.
"""
from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class _ThreadState(threading.local):
    """``grad_enabled`` of the current thread (True in a fresh thread)."""

    grad_enabled = True


_State = _ThreadState()


# One entry per thread whose grad mode is off right now. While the list is empty
# (the usual case outside ``no_grad`` and ``backward()``), every thread records,
# and the hot paths (``Function.apply``, the arithmetic operators) skip reading
# their thread's own mode: a ``threading.local`` read costs as much as a tenth of
# a small op. A list, because its append and pop are atomic: no lock, and no class
# attribute written (which would cost every later read of the class a cache miss).
# A thread that ends with grad mode off leaves an entry: the reads are then all
# thread-local again, still right.
threads_off: list[None] = []


def _switch(mode: bool) -> bool:
    """Set this thread's grad mode to ``mode`` (keeping ``threads_off``); return the
    mode it had."""
    prev = _State.grad_enabled
    if mode is not prev:
        _State.grad_enabled = mode
        if mode:
            threads_off.pop()
        else:
            threads_off.append(None)
    return prev


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward (in this thread)."""
    return not threads_off or _State.grad_enabled


class set_grad_enabled:
    """Turn recording on or off; restores the previous mode on exit.

    Called plainly (``set_grad_enabled(False)``) it switches the mode at once,
    as PyTorch's does; used as ``with`` it switches back afterwards.
    """

    def __init__(self, mode: str) -> None:
        self.mode = bool(mode)
        self.prev = _switch(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _switch(self.prev)
        return False

    def __call__(self, fn: Callable[..., Any]) -> Any:
        # Decorator use: the constructor already switched the mode; undo that.
        _switch(self.prev)
        return _with_mode(fn, self.mode)


class _GradModeContext:
    _mode = True

    def __enter__(self):
        self.prev = _switch(self._mode)
        return self

    def __exit__(self, *exc):
        _switch(self.prev)
        return False

    def __call__(self, fn):
        return _with_mode(fn, self._mode)


def _with_mode(fn, mode):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with set_grad_enabled(mode):
            return fn(*args, **kwargs)

    return wrapper


class no_grad(_GradModeContext):
    """Record nothing inside: for evaluation and for optimizer updates."""

    _mode = False


class enable_grad(_GradModeContext):
    """Record again inside a ``no_grad`` region."""

    _mode = True
