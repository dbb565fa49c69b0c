"""Containers keyed by name or position: ``ModuleDict``, ``ParameterList``, ``ParameterDict``.

Their members are registered (a plain dict or list of layers would be
invisible to ``parameters()`` and ``state_dict``), in insertion order, under
PyTorch's keys: ``"<key>.weight"`` for a ModuleDict, ``"0"``, ``"1"``... for
a ParameterList and the key itself for a ParameterDict.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...tensor import Tensor
from .module import Module, Parameter, _tree_changed

if TYPE_CHECKING:
    from collections.abc import Iterable

    from typing_extensions import Self

if TYPE_CHECKING:
    from typing import Any


def _pairs(values, owner):
    """(key, value) pairs from a mapping or an iterable of pairs, in their order."""
    if isinstance(values, Mapping):
        return list(values.items())
    pairs = []
    for i, item in enumerate(values):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError(f"{owner}.update: element #{i} should be a (key, value) pair, "
                            f"got {type(item).__name__}")
        pairs.append(tuple(item))
    return pairs


class ModuleDict(Module):
    """Modules by name: ``ModuleDict({"conv": Conv2d(1, 8, 3), "act": ReLU()})``.

    Like ``ModuleList`` it has no ``forward``; index it by key in your own.
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]
        _tree_changed()

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()

    def clear(self) -> None:
        self._modules.clear()
        _tree_changed()

    def pop(self, key: str) -> Any:
        module = self._modules[key]
        del self[key]
        return module

    def update(self, modules: Any) -> None:
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:
        raise NotImplementedError("ModuleDict has no forward(); call its members by key in "
                                  "your module's forward instead")


def _as_parameter(value, owner):
    if isinstance(value, Parameter) or value is None:
        return value
    if isinstance(value, Tensor):   # as PyTorch: a plain tensor becomes a Parameter
        return Parameter(value)
    raise TypeError(f"{owner}: expected a Parameter or Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of Parameters, registered as ``"0"``, ``"1"``, ... (Tensors are wrapped)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, idx):
        n = len(self)
        if isinstance(idx, bool) or not isinstance(idx, int) or not -n <= idx < n:
            raise IndexError(f"index {idx!r} is out of range for a ParameterList of length {n}")
        return str(idx % n)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self._parameters.values())[idx])
        return self._parameters[self._key(idx)]

    def __setitem__(self, idx, value):
        self.register_parameter(self._key(idx), _as_parameter(value, "ParameterList"))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value: Any) -> Self:
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> Self:
        if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {p.shape}]"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    """Parameters by name, registered under their keys (Tensors are wrapped)."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self) -> Any:
        return self._parameters.keys()

    def values(self) -> Any:
        return self._parameters.values()

    def items(self) -> Any:
        return self._parameters.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Any:
        value = self._parameters[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._parameters.clear()

    def update(self, parameters: Any) -> None:
        for key, value in _pairs(parameters, "ParameterDict"):
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {p.shape}]"
                         for k, p in self.items())
