"""The Tensor type and its methods, by registration (the bottom of the core).

The modules below ``tensor.py`` (``autograd``, ``engine``, the ops) must
create Tensors and add methods to the class, yet must not import
``tensor.py``, which imports them. So it goes the other way, as in HIPS
autograd's ``ArrayBox.register``: an op module decorates its front functions
with :func:`tensor_method`, and ``tensor.py``, once it has built the class,
calls :func:`register_tensor_type`, which attaches every method collected so
far (a method registered later is attached at once).

Lower modules then read the class as ``registry.Tensor`` and make an
untracked tensor with :func:`constant`. See ``tinygrad_book/ops/__init__.py``
for how to add an op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from .tensor import Tensor as _Tensor

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

Tensor: Any = None      # the Tensor class, once tensor.py registered it
_methods: dict[str, Callable[..., Any]] = {}  # attribute name -> function, in registration order


@overload
def tensor_method(fn: _F, /) -> _F: ...
@overload
def tensor_method(*names: str) -> Callable[[_F], _F]: ...
def tensor_method(*names: Any) -> Any:
    """Decorator: make a front function a Tensor method as well.

    ``@tensor_method`` uses the function's own name; ``@tensor_method("__add__",
    "add")`` attaches it under each of the given names. The function itself is
    returned unchanged, so it stays usable as ``tb.cat(...)``. Registering a
    name twice is an error (two ops claiming one method).
    """
    if len(names) == 1 and callable(names[0]):
        fn = names[0]
        _add(fn.__name__, fn)
        return fn

    def decorate(fn: _F) -> _F:
        for name in names or (fn.__name__,):
            _add(name, fn)
        return fn

    return decorate


def _add(name: str, fn: Callable[..., Any]) -> None:
    if name in _methods and _methods[name] is not fn:
        raise RuntimeError(f"tensor_method: Tensor.{name} is registered twice (by "
                           f"{_qualname(_methods[name])} and {_qualname(fn)})")
    _methods[name] = fn
    if Tensor is not None:
        setattr(Tensor, name, fn)


def _qualname(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)!s}"


def register_tensor_type(cls: type[_T]) -> type[_T]:
    """Called once by ``tensor.py`` with the finished class: attach the methods."""
    global Tensor
    for name in _methods:
        if name in cls.__dict__:
            raise RuntimeError(f"tensor_method: Tensor.{name} is defined in the class and "
                               f"registered by {_qualname(_methods[name])}")
    Tensor = cls
    for name, fn in _methods.items():
        setattr(cls, name, fn)
    return cls


def constant(array: Any) -> _Tensor:
    """An untracked Tensor around ``array`` (no copy, no checks): a constant of the graph."""
    return Tensor._make(array, False, None, 0)
