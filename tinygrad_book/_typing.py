"""Type aliases for what the API accepts (PEP 484/613), for annotations only.

The lowest layer: it imports nothing of tinygrad_book, so every module may use it.
Shapes stay in the docstrings; these say only what kind of value is taken.
"""
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayLike", "DTypeLike", "Scalar", "Dim", "Size", "IntOrTuple", "Shape", "Params",
           "ShapeArg", "Pair"]

#: What a tensor can be made from: an ``np.ndarray``, a Python scalar or nested lists of them.
ArrayLike: TypeAlias = npt.ArrayLike
#: A dtype: ``tb.float32``, ``np.float64``, ``"float32"`` or ``None`` (the default).
DTypeLike: TypeAlias = npt.DTypeLike
#: A Python or NumPy number.
Scalar: TypeAlias = int | float | bool | np.number[Any] | np.bool_
#: One axis or several (``dim=(0, 2)``); ``None`` means all of them.
Dim: TypeAlias = int | Sequence[int] | None
#: A size per spatial axis, or one for all: ``kernel_size=3`` or ``(3, 5)``.
IntOrTuple: TypeAlias = int | Sequence[int]
#: A validated (height, width) setting: ``kernel_size``, ``stride``, ... after ``checks.pair``.
Pair: TypeAlias = tuple[int, int]
#: A shape: ``(2, 3)`` (creation functions also take the sizes as separate arguments).
Shape: TypeAlias = int | Sequence[int]
Size = Shape
#: One entry of ``*shape`` in ``reshape(2, 3)`` or ``reshape((2, 3))``: an int, or the whole shape.
ShapeArg: TypeAlias = int | Sequence[int]
#: What an optimizer takes: tensors, or parameter groups (dicts with ``"params"``).
Params: TypeAlias = Iterable[Any]
