"""Load weights trained with the book's own code (its ``params.pkl``) into the zoo.

The book saves ``pickle.dump(self.params, f)``: a dict of NumPy arrays keyed
``W1, b1, W2, ...`` (and ``gamma1, beta1, ...`` for its BatchNorm nets). A
pickle can run arbitrary code when loaded, so it is read with an unpickler
that resolves only NumPy's array-rebuilding functions and refuses any other
global before anything is called.
"""
import importlib
import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

# (module, name) pairs a pickled dict of NumPy arrays needs, across NumPy 1.x/2.x
# and pickle protocols 0-5, each mapped to (submodule of numpy._core / numpy.core, name).
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): ("multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): ("multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"): ("multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"): ("multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"): ("numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): ("numeric", "_frombuffer"),
}


def _numpy_core(submodule, name):
    for package in ("numpy._core", "numpy.core"):
        try:
            return getattr(importlib.import_module(f"{package}.{submodule}"), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"this NumPy has no {submodule}.{name}")


class RestrictedUnpickler(pickle._Unpickler):
    """An Unpickler that rebuilds NumPy arrays and plain containers, and nothing else.

    It is the pure-Python unpickler (a book's params.pkl is a few MB), so that BUILD can be
    checked too: BUILD sets the state of the object below it, and on an allowed *function*
    (``_frombuffer``) it would set attributes of NumPy itself for the whole process. Only
    arrays and dtypes, the objects a pickled dict of arrays rebuilds, may be BUILT.
    """

    dispatch: ClassVar[dict[int, Callable[..., Any]]] = dict(pickle._Unpickler.dispatch)

    # `stack` and `load_build` are the pure-Python unpickler's, which typeshed leaves out.
    def load_build(self) -> None:
        stack = self.stack  # type: ignore[attr-defined]  # pickle._Unpickler's, see above
        inst = stack[-2] if len(stack) > 1 else None  # below the state
        if type(inst) is not np.ndarray and not isinstance(inst, np.dtype):
            raise pickle.UnpicklingError(
                f"refusing to set the state of {type(inst).__name__} {inst!r}: this file may "
                "only contain NumPy arrays (BUILD is allowed on arrays and dtypes only)")
        pickle._Unpickler.load_build(self)  # type: ignore[attr-defined]  # as `stack` above

    dispatch[pickle.BUILD[0]] = load_build

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _numpy_core(*_ALLOWED[(module, name)])
        if module == "numpy" and name == "ndarray":
            return np.ndarray
        if module == "numpy" and name == "dtype":
            return np.dtype
        if module == "_codecs" and name == "encode":
            # Protocols 0-2 store bytes as latin-1 text re-encoded by this function.
            import codecs
            return codecs.encode
        raise pickle.UnpicklingError(
            f"refusing to load global '{module}.{name}': this file may only contain NumPy "
            "arrays (loading anything else from a pickle could run code)")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("refusing to load a persistent id: this file may only "
                                     "contain NumPy arrays")


def read_book_params(path):
    """The ``{name: ndarray}`` dict in a book ``params.pkl``, read without running code."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            params = RestrictedUnpickler(f).load()
        except pickle.UnpicklingError as exc:
            raise pickle.UnpicklingError(f"read_book_params: {path!r}: {exc}") from None
        except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            raise ValueError(f"read_book_params: {path!r} is not a readable params.pkl "
                             f"({type(exc).__name__}: {exc})") from None
    if not isinstance(params, dict):
        raise ValueError(f"read_book_params: {path!r} holds a {type(params).__name__}; the "
                         "book saves a dict of arrays")
    for key, value in params.items():
        if not isinstance(key, str) or not isinstance(value, np.ndarray) \
                or value.dtype.kind not in "fiu":
            raise ValueError(f"read_book_params: {path!r} entry {key!r} is a "
                             f"{type(value).__name__}; expected numeric NumPy arrays")
    return params


def _mapping(model):
    """[(book key, state-dict key, transpose, scale)] for a zoo model."""
    from .convnets import DeepConvNet, SimpleConvNet
    from .mlp import MLP

    if isinstance(model, SimpleConvNet):
        return [("W1", "conv1.weight", False, 1.0), ("b1", "conv1.bias", False, 1.0),
                ("W2", "fc1.weight", True, 1.0), ("b2", "fc1.bias", False, 1.0),
                ("W3", "fc2.weight", True, 1.0), ("b3", "fc2.bias", False, 1.0)]
    if isinstance(model, DeepConvNet):
        rows = []
        for i in range(1, 7):
            rows += [(f"W{i}", f"conv{i}.weight", False, 1.0),
                     (f"b{i}", f"conv{i}.bias", False, 1.0)]
        # Book inference: fc2(relu(fc1(h)) * (1 - p1)) * (1 - p2). Folding both factors
        # into fc2 makes our eval-mode (identity) dropout give the same scores.
        keep1, keep2 = 1 - model.dropout1.p, 1 - model.dropout2.p
        rows += [("W7", "fc1.weight", True, 1.0), ("b7", "fc1.bias", False, 1.0),
                 ("W8", "fc2.weight", True, keep1 * keep2), ("b8", "fc2.bias", False, keep2)]
        return rows
    if isinstance(model, MLP):
        rows = []
        keep = 1 - model.dropout_ratio if model.use_dropout else 1.0
        for i in range(1, model.num_layers + 1):
            # Every affine layer after the first follows one of the book's dropouts.
            scale = keep if i > 1 else 1.0
            rows += [(f"W{i}", f"fc{i}.weight", True, scale), (f"b{i}", f"fc{i}.bias", False, 1.0)]
            if model.use_batchnorm and i < model.num_layers:
                rows += [(f"gamma{i}", f"bn{i}.weight", False, 1.0),
                         (f"beta{i}", f"bn{i}.bias", False, 1.0)]
        return rows
    raise TypeError(f"load_book_params: supports SimpleConvNet, DeepConvNet and MLP (the "
                    f"networks the book saves), got {type(model).__name__}")


def load_book_params(model, path):
    """Load the book's ``params.pkl`` at ``path`` into ``model`` (SimpleConvNet, DeepConvNet, MLP).

    Affine weights are transposed from the book's (in, out) to (out, in). The
    book's Dropout multiplies by (1 - p) at test time while ours is inverted
    (identity at test time), so the weights of the layer after each dropout —
    and, for DeepConvNet, the scores after its final dropout — are scaled by
    (1 - p): ``model.eval()`` then gives the book's own inference scores.
    Keys and shapes are checked first; on any mismatch a ValueError names them
    and the model is left unchanged. A pickle that holds anything but NumPy
    arrays raises ``pickle.UnpicklingError`` without running it. Returns ``model``.
    """
    rows = _mapping(model)
    params = read_book_params(path)
    expected = {book for book, *_ in rows}
    missing = sorted(expected - set(params))
    unexpected = sorted(set(params) - expected)
    if missing or unexpected:
        raise ValueError(f"load_book_params: {path!r} does not match {type(model).__name__}: "
                         f"missing {missing}, unexpected {unexpected}")
    own = model.state_dict(keep_vars=True)
    converted = {}
    for book, key, transpose, scale in rows:
        value = params[book]
        target = own[key].shape
        book_shape = target[::-1] if transpose else target
        if value.shape != book_shape:
            raise ValueError(f"load_book_params: {book!r} has shape {value.shape}, but "
                             f"{type(model).__name__}.{key} needs {book_shape} in the book's "
                             "layout")
        value = value.T if transpose else value
        converted[key] = value * scale if scale != 1.0 else value
    model.load_state_dict(converted, strict=False)
    if getattr(model, "use_batchnorm", False):
        warnings.warn("load_book_params: the book's params.pkl has no BatchNorm running "
                      "statistics, so running_mean/running_var keep their current values",
                      stacklevel=2)
    return model
