"""``Optimizer``: parameter groups, per-parameter state and checkpoints.

An optimizer owns a list of *parameter groups* (dicts holding ``params`` and
that group's hyperparameters, so layers may learn at different rates) and a
``state`` dict keyed by the parameter Tensor (moment estimates, step counts).
Subclasses write one update rule, ``_update(param, grad, state, group)``, with
Tensor in-place ops; ``step()`` runs it under ``no_grad`` for every parameter
that has a gradient. The preamble the rules share (``maximize``, weight decay,
zero-filled first state) lives here as ``_prepare_grad`` and ``_init_state``.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_book.creation import full_like, zeros_like
from tinygrad_book.grad_mode import enable_grad, no_grad
from tinygrad_book.param_utils import plain, zero_grad
from tinygrad_book.registry import constant
from tinygrad_book.tensor import Tensor

from . import _checks

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from tinygrad_book._typing import Params


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors (e.g. ``model.parameters()``), or of dicts
            ``{"params": [...], "lr": ...}`` to give groups their own hyperparameters.
        defaults: hyperparameter name -> default, used where a group gives none.

    Subclasses implement ``_update(param, grad, state, group)``. Their hyperparameters
    are checked by name (``optim._checks.RULES``: ``lr >= 0``, ``eps > 0``, a flag is True
    or False...), each the same in every optimizer; a constraint of a subclass's own (SGD's
    Nesterov needs momentum) goes in ``_check_group(group)``.
    ``_scalar_state`` names the state entries that are Python numbers rather
    than arrays shaped like the parameter, with their type.
    """

    _scalar_state: dict[str, type] = {"step": int}

    def __init__(self, params: Params, defaults: Any) -> None:
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._step_count = 0
        if isinstance(params, Tensor) or isinstance(params, dict):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}; wrap a single tensor in a list")
        if isinstance(params, set):
            raise TypeError(_SET_MESSAGE)
        try:
            groups = list(params)
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}") from None
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- what subclasses provide ------------------------------------------------
    def _check_hyperparameters(self, group):
        """Each hyperparameter by its name's rule, then the subclass's own ``_check_group``."""
        _checks.hyperparameters(group, self.defaults)
        self._check_group(group)

    def _check_group(self, group):
        """Check what the rules by name cannot (a relation between hyperparameters); raise
        ValueError/TypeError."""

    def _update(self, param, grad, state, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement _update()")

    # -- the preamble every update rule shares ----------------------------------------
    def _prepare_grad(self, param, grad, group):
        """The gradient the update rule sees: ``maximize`` and ``weight_decay`` applied.

        g ← −g if maximize. Then, for a nonzero weight_decay: with
        ``decoupled_weight_decay`` (AdamW's form, only where the optimizer has that
        option) the weights shrink in place, W ← W (1 − lr · weight_decay), and g is
        left alone; otherwise g ← g + weight_decay · W, the gradient of the L2
        penalty (the book's section 6.4.1). ``grad`` (the parameter's ``.grad``)
        is never changed in place.
        """
        if group["maximize"]:
            grad = -grad
        decay = group["weight_decay"]
        if decay != 0:
            if "decoupled_weight_decay" in self.defaults and group["decoupled_weight_decay"]:
                param.mul_(1 - group["lr"] * decay)
            else:
                grad = grad + decay * param
        return grad

    @staticmethod
    def _init_state(state, param, *names, fill=0, **values):
        """The one place a parameter's state is made; returns ``state``.

        Each of ``values`` (``step=0``, ``momentum_buffer=None``...) is stored as given
        and each of ``names`` becomes a tensor like ``param`` filled with ``fill``
        (zeros by default). Entries already present are kept, so an update rule calls
        this on every step, and an entry that an option switched on later (amsgrad,
        centered) appears when first needed.
        """
        for name, value in values.items():
            state.setdefault(name, value)
        for name in names:
            if name not in state:
                state[name] = zeros_like(param) if fill == 0 else full_like(param, fill)
        return state

    # -- parameter groups --------------------------------------------------------
    def add_param_group(self, param_group: Any) -> None:
        """Add a group of parameters (e.g. a newly unfrozen layer) with its own hyperparameters.

        ``param_group`` is a dict with ``"params"`` and optional hyperparameters;
        missing ones take the optimizer's defaults. The dict is copied.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry holding its tensors, got "
                             f"keys {sorted(param_group)}")
        n = len(self.param_groups)
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(_SET_MESSAGE)
        else:
            params = list(params)
        if not params:
            raise ValueError(f"optimizer got an empty parameter list (parameter group {n})")
        seen: dict[int, int] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} of "
                                f"group {n} is a {type(p).__name__}")
            if p.grad_fn is not None:  # not a leaf
                raise ValueError(
                    f"can't optimize a non-leaf Tensor: parameter {i} of group {n} was made by "
                    f"{p.grad_fn.name()}; optimize the leaf it came from, or a "
                    ".detach().requires_grad_() copy")
            if p.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating point tensors, but "
                                f"parameter {i} of group {n} has dtype {p.dtype}")
            if id(p) in seen:
                raise ValueError(f"parameter {i} of group {n} is the same tensor as parameter "
                                 f"{seen[id(p)]}; each parameter may appear only once")
            seen[id(p)] = i
        for j, other in enumerate(self.param_groups):
            if any(id(p) in seen for p in other["params"]):
                raise ValueError(f"some parameters appear in more than one parameter group "
                                 f"(groups {j} and {n})")
        group = dict(param_group)
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        try:
            self._check_hyperparameters(group)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"parameter group {n}: {exc}") from None
        group["params"] = params
        self.param_groups.append(group)

    # -- training ----------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters: dropped (the default) or, with
        ``set_to_none=False``, detached and zeroed in place — PyTorch's semantics, shared
        with ``Module.zero_grad`` (:func:`tinygrad_book.param_utils.zero_grad`)."""
        params = (p for group in self.param_groups for p in group["params"])
        zero_grad(params, set_to_none=set_to_none)

    def step(self, closure: Callable[..., Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss.

        ``closure``, if given, re-evaluates the model and returns the loss (it is
        called with grad enabled, before the update). Parameters whose ``.grad``
        is ``None`` are skipped. All gradients are checked before any parameter
        changes, so a bad one leaves the model untouched.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = []
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if not isinstance(grad, Tensor):
                    raise TypeError(f"{type(self).__name__}.step(): a parameter of shape "
                                    f"{p.shape} has a .grad of type {type(grad).__name__}; "
                                    "expected a Tensor")
                if grad.shape != p.shape or grad.dtype != p.dtype:
                    raise RuntimeError(
                        f"{type(self).__name__}.step(): a parameter of shape {p.shape} and "
                        f"dtype {p.dtype} has a gradient of shape {grad.shape} and dtype "
                        f"{grad.dtype}; they must match")
                work.append((p, grad, group))
        with no_grad():
            for p, grad, group in work:
                self._update(p, grad, self.state[p], group)
                p._bump_version()  # an in-place change: a graph that saved p must notice
        self._step_count += 1
        return loss

    # -- checkpoints -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data, in PyTorch's layout.

        ``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [index, ...]}]}``: parameters are numbered in group order, arrays are
        copies, so the dict is a snapshot that later steps do not change.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for p, entries in self.state.items():
            if id(p) in index and entries:
                state[index[id(p)]] = {k: _snapshot(v) for k, v in entries.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()`` taken from an optimizer of the same kind and parameters.

        The saved groups must match this optimizer's in number and size, and every
        saved array must have its parameter's shape; otherwise ``ValueError`` is
        raised and nothing changes. Arrays are copied (cast to the parameter's
        dtype) and hyperparameters are taken from the saved groups.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict(): expected a dict with 'state' and "
                             f"'param_groups' (from state_dict()), got {got}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict(): loaded state dict has "
                             f"{len(saved_groups)} parameter groups, but this optimizer has "
                             f"{len(self.param_groups)}")
        params: list[tuple[Any, Tensor]] = []
        new_groups = []
        for n, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict(): parameter group {n} is not a dict "
                                 "with 'params'")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict(): loaded parameter group {n} has "
                                 f"{len(saved['params'])} parameters, but this optimizer's group "
                                 f"{n} has {len(group['params'])}")
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(f"{name}.load_state_dict(): loaded parameter group {n} lacks "
                                 f"{missing}; was it saved from a different optimizer?")
            new_group = {k: plain(v) for k, v in saved.items() if k != "params"}
            try:
                self._check_hyperparameters(new_group)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name}.load_state_dict(): parameter group {n}: {exc}") from None
            new_group["params"] = group["params"]
            new_groups.append(new_group)
            params.extend(zip(saved["params"], group["params"], strict=True))
        by_index = {_index(i): p for i, p in params}
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for i, entries in dict(state_dict["state"]).items():
            p = by_index.get(_index(i))
            if p is None:
                raise ValueError(f"{name}.load_state_dict(): state for parameter {i!r}, which "
                                 f"no parameter group lists (indices 0..{len(params) - 1})")
            new_state[p] = {k: self._load_state_value(p, i, k, v) for k, v in entries.items()}
        self.param_groups[:] = new_groups
        self.state = new_state

    def _load_state_value(self, p, i, key, value):
        where = f"{type(self).__name__}.load_state_dict(): state[{i!r}][{key!r}]"
        if isinstance(value, Tensor):
            value = value.data
        if key in self._scalar_state:
            if np.size(value) != 1:
                raise ValueError(f"{where} should be a number, got an array of shape "
                                 f"{np.shape(value)}")
            return self._scalar_state[key](np.asarray(value).item())
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{where} should be an array of shape {p.shape}, got "
                             f"{type(value).__name__} {value!r}")
        if value.shape != p.shape:
            raise ValueError(f"{where} has shape {value.shape}, but parameter {i!r} has shape "
                             f"{p.shape}; was this state saved for different parameters?")
        return constant(value.astype(p.dtype, copy=True))

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for n, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {n}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


_SET_MESSAGE = ("optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs; use a list instead")


def _snapshot(value):
    if isinstance(value, Tensor):
        return value.data.copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _index(key):
    """Parameter indices may come back from a file as strings or NumPy ints."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return key
