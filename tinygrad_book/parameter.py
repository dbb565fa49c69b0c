"""``Parameter``: a Tensor that a Module trains.

It lives in the core (``nn`` re-exports it as ``nn.Parameter``) so that the
core's own modules, such as ``serialization``, can recognise and rebuild one
without reaching up into ``nn``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_book._typing import ArrayLike


class Parameter(Tensor):
    """A Tensor that a Module trains: ``requires_grad=True`` and registered on assignment.

    ``self.weight = Parameter(array)`` inside a Module adds it to
    ``parameters()``. An ``np.ndarray`` (or a Tensor's array) is shared, not
    copied, as PyTorch's ``Parameter(tensor)`` shares storage.
    """

    __slots__ = ()

    def __init__(self, data: ArrayLike | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
