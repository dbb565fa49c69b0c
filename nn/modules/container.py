"""Containers: ``Sequential`` (a pipeline) and ``ModuleList`` (an indexable list)."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import TYPE_CHECKING

from .module import Module, _tree_changed

if TYPE_CHECKING:
    from collections.abc import Iterable

    from typing_extensions import Self

if TYPE_CHECKING:
    from typing import Any

    from tinygrad_book.tensor import Tensor


def _index(idx, length, owner):
    try:
        idx = operator.index(idx)
    except TypeError:
        raise TypeError(f"{owner} indices must be integers or slices, not "
                        f"{type(idx).__name__}") from None
    if not -length <= idx < length:
        raise IndexError(f"index {idx} is out of range for a {owner} of length {length}")
    return idx % length


class Sequential(Module):
    """Modules applied one after another: ``Sequential(Linear(784, 50), ReLU(), ...)``.

    Children are named ``"0"``, ``"1"``, ... (or by an ``OrderedDict``'s keys),
    so their parameters appear in ``state_dict`` as ``"0.weight"`` etc., as in
    PyTorch.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                if not isinstance(module, Module):
                    raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, "
                                    "not a Module")
                self.add_module(str(i), module)

    def forward(self, x: Tensor) -> Tensor:
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self), "Sequential")]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        if isinstance(idx, slice):
            doomed = keys[idx]
        else:
            doomed = [keys[_index(idx, len(self), "Sequential")]]
        for key in doomed:
            delattr(self, key)
        self._renumber()

    def _renumber(self):
        # Keep PyTorch's numbering: after a deletion the keys are 0..n-1 again.
        if all(k.isdigit() for k in self._modules):
            items = list(self._modules.values())
            self._modules.clear()
            for i, m in enumerate(items):
                self._modules[str(i)] = m
            _tree_changed()

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> Self:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Self:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: {type(module).__name__} is not a Module")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"index {index} is out of range for a Sequential of length {n}")
        items = list(self._modules.values())
        items.insert(index, module)   # a negative index counts from the end, as list.insert
        for key in list(self._modules):
            delattr(self, key)
        for i, m in enumerate(items):
            self.add_module(str(i), m)
        return self


class ModuleList(Module):
    """A list of Modules whose parameters are registered (a plain list's are not).

    Use it for a variable number of layers; index it, iterate it, ``append``.
    It has no ``forward``: the owning module decides how to call its members.
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx, module):
        setattr(self, str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx):
        items = list(self._modules.values())
        if isinstance(idx, slice):
            del items[idx]
        else:
            del items[_index(idx, len(self), "ModuleList")]
        for key in list(self._modules):
            delattr(self, key)
        self.extend(items)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module: Module) -> Self:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        if isinstance(modules, Module) or not hasattr(modules, "__iter__"):
            raise TypeError("ModuleList.extend should be called with an iterable of Modules, "
                            f"but got {type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Self:
        # Checked first: the members are re-added one by one below.
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.insert: {type(module).__name__} is not a Module")
        items = list(self._modules.values())
        items.insert(index, module)
        for key in list(self._modules):
            delattr(self, key)
        return self.extend(items)

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your "
                                  "module's forward instead")
