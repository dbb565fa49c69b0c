"""What ``nn.Module`` and ``optim.Optimizer`` share about the tensors they hold:
zeroing gradients with PyTorch's semantics, and reading hyperparameters back from a
checkpoint as plain Python values."""
import numpy as np


def zero_grad(params, set_to_none=True):
    """Forget the gradients of ``params`` (an iterable of Tensors), as PyTorch does.

    ``set_to_none=True`` (the default) drops them: it saves memory, and an optimizer
    skips a parameter whose ``.grad`` stays ``None``. ``False`` keeps each ``.grad``
    Tensor, cut out of any graph (``create_graph=True`` may have given it a
    ``grad_fn``), and fills it with zeros in place.
    """
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        grad.detach_()
        if grad.data.flags.writeable:
            grad.zero_()
        else:  # a read-only broadcast view: give it an array of its own
            grad.data = np.zeros(grad.shape, dtype=grad.dtype)


def plain(value):
    """Undo what a file round trip may do to a hyperparameter: NumPy scalars and arrays
    (also inside lists, tuples and dicts) become Python numbers and lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
