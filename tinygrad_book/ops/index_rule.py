"""PyTorch's rule for an index that mixes integers with index arrays.

NumPy counts an integer as an index array when an index also holds arrays:
for ``a`` of shape (2, 3, 4), ``a[0, :, idx]`` with ``idx`` of length 2 has the
"advanced" dimensions 0 and 2, apart, so the broadcast index goes first and
the result is (2, 3). PyTorch applies integers first, as a ``select`` that
removes their dimension, and only then the index arrays: ``a[0][:, idx]``,
shape (3, 2). This API is PyTorch's, so indexing follows PyTorch; NumPy's
rule is one ``t.numpy()[...]`` away.

``split_index`` rewrites such an index into two that NumPy applies one after
the other: the integers (with slices for the rest), then the arrays.
"""
from typing import Any

import numpy as np


def _is_int(item):
    if isinstance(item, (bool, np.bool_)):
        return False
    if isinstance(item, (int, np.integer)):
        return True
    return isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu"


def _is_array(item):
    return isinstance(item, np.ndarray) and item.ndim > 0


def split_index(index: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """``(first, second)`` such that ``a[first][second]`` is PyTorch's ``a[index]``,
    or ``None`` when NumPy's rule already gives PyTorch's answer (no integer and
    index array together)."""
    if not isinstance(index, tuple):
        return None
    if not (any(_is_int(i) for i in index) and any(_is_array(i) for i in index)):
        return None
    first: list[Any] = []
    second: list[Any] = []
    for item in index:
        if _is_int(item):
            first.append(int(item))             # selected away: nothing left for `second`
        elif item is None:
            first.append(None)                  # the new axis exists after `first`
            second.append(slice(None))
        elif item is Ellipsis:
            first.append(Ellipsis)
            second.append(Ellipsis)
        elif isinstance(item, np.ndarray) and item.dtype == np.bool_ and item.ndim == 0:
            first.append(item)                  # a 0-d mask adds (or empties) an axis
        elif isinstance(item, np.ndarray) and item.dtype == np.bool_:
            first.extend([slice(None)] * item.ndim)   # a mask spans its own ndim axes
            second.append(item)
        else:
            first.append(slice(None))
            second.append(item)
    return tuple(first), tuple(second)
