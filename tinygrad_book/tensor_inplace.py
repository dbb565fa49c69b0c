"""In-place updates for optimizers and initialisers: ``add_``, ``mul_``, ``zero_``...

They change ``.data`` directly and are not recorded, so on a tensor that
requires grad they are refused unless grad mode is off (``no_grad()``), as in
PyTorch. Operands may be Tensors, arrays or numbers that broadcast to the
tensor's shape; the tensor keeps its shape and dtype (a float64 operand is
rounded into a float32 tensor; a float into an integer one is refused).
"""
import numpy as np

from .grad_mode import is_grad_enabled


class InplaceMethods:
    """Mixed into :class:`~tinygrad_book.tensor.Tensor`."""

    __slots__ = ()

    def _update(self, op, update, *operands):
        """Check grad mode, then ``update(self.data, *operands)``; NumPy's errors renamed.

        NumPy checks broadcasting and casting before it writes, so a refused
        update leaves the data unchanged.
        """
        if is_grad_enabled() and (self._requires_grad or self.grad_fn is not None):
            raise RuntimeError(
                f"{op}: an in-place change of a tensor that requires grad would corrupt "
                "the graph; wrap it in tinygrad_book.no_grad()")
        operands = [_data(x) for x in operands]
        try:
            update(self.data, *operands)
        except (ValueError, TypeError) as exc:
            got = ", ".join(f"shape {np.shape(x)} dtype {np.result_type(x)}" for x in operands)
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(f"{op}: cannot update a tensor of shape {self.shape} and dtype "
                            f"{self.dtype} in place with {got or 'no operands'}: {exc}") from None
        return self

    def zero_(self):
        return self._update("zero_()", lambda d: d.fill(0))

    def fill_(self, value):
        return self._update("fill_()", np.copyto, value)

    def copy_(self, src):
        return self._update("copy_()", np.copyto, src)

    def add_(self, other, alpha=1):
        """self += alpha * other."""
        return self._update("add_()", lambda d, o: np.add(d, o if alpha == 1 else o * alpha,
                                                          out=d), other)

    def sub_(self, other, alpha=1):
        """self -= alpha * other."""
        return self._update("sub_()", lambda d, o: np.subtract(d, o if alpha == 1 else o * alpha,
                                                               out=d), other)

    def mul_(self, other):
        return self._update("mul_()", lambda d, o: np.multiply(d, o, out=d), other)

    def div_(self, other):
        return self._update("div_()", lambda d, o: np.divide(d, o, out=d), other)

    def addcmul_(self, t1, t2, value=1):
        """self += value * t1 * t2."""
        return self._update("addcmul_()", lambda d, a, b: np.add(
            d, a * b if value == 1 else a * b * value, out=d), t1, t2)

    def addcdiv_(self, t1, t2, value=1):
        """self += value * t1 / t2."""
        return self._update("addcdiv_()", lambda d, a, b: np.add(
            d, a / b if value == 1 else a / b * value, out=d), t1, t2)

    def lerp_(self, end, weight):
        """self += weight * (end - self)."""
        return self._update("lerp_()", lambda d, e, w: np.add(d, (e - d) * w, out=d),
                            end, weight)

    def clamp_(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp_(): at least one of min and max must be given")
        return self._update("clamp_()", lambda d: np.clip(d, min, max, out=d))

    def sqrt_(self):
        return self._update("sqrt_()", lambda d: np.sqrt(d, out=d))

    def maximum_(self, other):
        return self._update("maximum_()", lambda d, o: np.maximum(d, o, out=d), other)


def _data(x):
    return x.data if isinstance(x, InplaceMethods) else x
