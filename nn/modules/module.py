"""``Module`` and ``Parameter``: what every network is built from.

A Module owns Parameters (the tensors an optimizer trains), buffers (state
that is saved but not trained, such as BatchNorm's running mean) and child
Modules. All three live in insertion-ordered dicts, so ``parameters()`` yields
the same order on every run: the book's ``params['W1'], params['b1'], ...``
dictionary becomes ``named_parameters()``, in the order the layers were made.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from ...autograd import current_module_path, enter_module_scope, exit_module_scope
from ...param_utils import zero_grad
from ...parameter import Parameter  # noqa: F401  (nn.Parameter; in the core for serialization)
from ...tensor import Tensor
from ._hooks import RemovableHandle
from ._state import StateMethods

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from typing_extensions import Self


# While a top-level module call runs: (tensor, its array, a copy) for each buffer its
# forward is about to change in place (see remember_state and Module.__call__).
_undo: list[tuple[Tensor, np.ndarray, np.ndarray]] | None = None


def remember_state(*tensors):
    """Call in ``forward`` before changing buffers in place (None entries are skipped).

    If the top-level module call then raises, they are restored, so a failed
    forward leaves no state half-changed. Outside a module call this does nothing.
    """
    if _undo is not None:
        for t in tensors:
            if t is not None:
                _undo.append((t, t.data, t.data.copy()))


# Bumped whenever any module gains or loses a child, so a root module knows to
# re-walk its tree before tagging graph nodes with dotted paths.
_tree_version = 0


def _tree_changed():
    global _tree_version
    _tree_version += 1


def _check_member_name(kind, name, module):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a str, got {type(name).__name__}")
    if name == "":
        raise ValueError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise ValueError(f'{kind} name can\'t contain ".", got: {name!r}')
    d = module.__dict__
    if name in d or (hasattr(type(module), name) and name not in d["_parameters"]
                     and name not in d["_buffers"] and name not in d["_modules"]):
        raise ValueError(f"attribute {name!r} already exists on {type(module).__name__}; "
                         f"a {kind} needs a fresh name")


class Module(StateMethods):
    """Base class of every layer and network, as ``torch.nn.Module``.

    Subclasses call ``super().__init__()`` first, assign Parameters, buffers
    and sub-Modules as attributes, and define ``forward``. Calling the module
    runs ``forward`` inside ``module_scope(path)``, so every op it records
    carries the module's dotted path (``ctx.module_path``, e.g. ``"conv1"`` or
    ``"layers.0"``) for ``draw_graph(..., group_by_module=True)``.
    """

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_path"] = None            # dotted name inside the root that last walked us
        d["_path_root"] = None       # id() of that root
        d["_path_stamp"] = None      # tree version when we last walked as a root

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # a subclass narrows it
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    # -- calling ---------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        global _undo
        parent = current_module_path()
        if parent is not None:
            path = self.__dict__.get("_path")
            if path is None:
                # Called from a parent's forward without being registered on it.
                path = f"{parent}.{type(self).__name__}" if parent else type(self).__name__
            return self._call(path, args, kwargs)
        # A top-level call: if its forward fails, buffers it already changed in place
        # (BatchNorm's running statistics) get their old values back, so a bad input
        # found by a later layer leaves the model as it was.
        outer, _undo = _undo, []
        try:
            return self._call(self._root_path(), args, kwargs)
        except BaseException:
            for tensor, array, old in reversed(_undo):
                np.copyto(array, old)
                tensor.data = array
            raise
        finally:
            _undo = outer

    def _call(self, path, args, kwargs):
        outer = enter_module_scope(path)
        try:
            if self._forward_pre_hooks:  # (most modules have none: no tuple to make)
                for hook in tuple(self._forward_pre_hooks.values()):
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
            out = self.forward(*args, **kwargs) if kwargs else self.forward(*args)
            if self._forward_hooks:
                for hook in tuple(self._forward_hooks.values()):
                    result = hook(self, args, out)
                    if result is not None:
                        out = result
        finally:
            exit_module_scope(outer)
        return out

    def _root_path(self):
        """Give every submodule its dotted name (once per tree change); return the root's tag.

        A root that holds submodules tags its own ops with ``""`` so its children
        form the clusters of a drawing; a leaf module called on its own (a loss,
        a lone Linear) is tagged with its class name.
        """
        d = self.__dict__
        if d.get("_path_stamp") != _tree_version:
            rid = id(self)
            moved = False
            for name, m in self.named_modules():
                if m is self:
                    continue
                md = m.__dict__
                if md.get("_path_root") not in (None, rid) or (md.get("_path") not in (None, name)):
                    moved = True   # another root named this module: let it re-walk
                md["_path"], md["_path_root"] = name, rid
            if moved:
                _tree_changed()
            d["_path_stamp"] = _tree_version
        return "" if d["_modules"] else type(self).__name__

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces ``args``."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result replaces it.

        Handy for the book's activation histograms (chapter 6.2): record each
        layer's output without changing the network.
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # -- registration ----------------------------------------------------------------
    def _require_init(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call "
                                 f"(call super().__init__() first in {type(self).__name__})")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        self._require_init("parameters")
        if name not in self._parameters:
            _check_member_name("parameter", name, self)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a Tensor that is state but not trained (saved in ``state_dict`` if persistent)."""
        self._require_init("buffers")
        if name not in self._buffers:
            _check_member_name("buffer", name, self)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child Module (or None), reachable as ``self.<name>``."""
        self._require_init("module")
        if name not in self._modules:
            _check_member_name("module", name, self)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module
        _tree_changed()

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._forget(name, keep=params)
            d["_parameters"][name] = value  # params, now known to exist
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._require_init("module")
            self._forget(name, keep=d["_modules"])
            d["_modules"][name] = value
            _tree_changed()
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            d["_modules"][name] = None
            _tree_changed()
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer "
                                f"'{name}' (Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        d = self.__dict__
        d.pop(name, None)
        for registry in (d["_parameters"], d["_buffers"], d["_modules"]):
            if registry is not keep and name in registry:
                del registry[name]
                if registry is d["_modules"]:
                    _tree_changed()
        d["_non_persistent_buffers"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            members = d.get(registry)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in d.get(registry, ()):
                del d[registry][name]
                d["_non_persistent_buffers"].discard(name)
                if registry == "_modules":
                    _tree_changed()
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    # -- traversal -------------------------------------------------------------------
    def named_modules(self, memo: Any = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted_name, module)`` for this module and all below it, depth first."""
        if memo is None:
            memo = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m)
                        for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct children, each once."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, Parameter)`` in registration order; shared ones once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every Parameter once, in registration order (what an optimizer takes)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and bulk changes -----------------------------------------------------
    def train(self, mode: bool = True) -> Self:
        """Set training mode here and below (Dropout drops, BatchNorm uses batch statistics)."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Self:
        """Inference mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: dropped (the default) or, with ``set_to_none=False``,
        detached and zeroed in place — PyTorch's semantics, shared with
        ``Optimizer.zero_grad`` (:func:`tinygrad_book.param_utils.zero_grad`)."""
        zero_grad(self.parameters(), set_to_none=set_to_none)

    def apply(self, fn: Callable[..., Any]) -> Self:
        """Call ``fn(module)`` on every submodule (children first), then on self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # -- printing --------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses, e.g. ``in_features=784, ...``."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = []
        for key, module in self._modules.items():
            text = repr(module).replace("\n", "\n  ")
            children.append(f"({key}): {text}")
        body = type(self).__name__ + "("
        if lines and len(lines) == 1 and not children:
            body += lines[0]
        elif lines or children:
            body += "\n  " + "\n  ".join(lines + children) + "\n"
        return body + ")"
