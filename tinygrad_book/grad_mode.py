"""Grad mode: whether new operations are recorded into the graph.

``no_grad()`` is what optimizers and evaluation loops run under: ops still
compute, but no ``grad_fn`` is attached, so nothing is kept for backward.
Each of these works as a context manager and as a decorator, as in PyTorch.
"""
import functools


class _State:
    grad_enabled = True


def is_grad_enabled():
    """True when operations are being recorded for backward."""
    return _State.grad_enabled


class set_grad_enabled:
    """Turn recording on or off; restores the previous mode on exit.

    Called plainly (``set_grad_enabled(False)``) it switches the mode at once,
    as PyTorch's does; used as ``with`` it switches back afterwards.
    """

    def __init__(self, mode):
        self.prev = _State.grad_enabled
        self.mode = bool(mode)
        _State.grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode
        # Decorator use: the constructor already switched the mode; undo that.
        _State.grad_enabled = self.prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradModeContext:
    _mode = True

    def __enter__(self):
        self.prev = _State.grad_enabled
        _State.grad_enabled = self._mode
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self._mode

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
