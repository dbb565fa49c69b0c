"""Helpers shared by the zoo: the book's weight-scale rules and argument checks."""
import math

from .. import checks, nn

_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def book_std(spec, fan_in, where):
    """The std of the book's ``weight_init_std``: 'relu'/'he' -> sqrt(2/n),
    'sigmoid'/'xavier' -> sqrt(1/n) (chapter 6.2), or a number used as is."""
    if isinstance(spec, str):
        key = spec.lower()
        if key in ("relu", "he"):
            return math.sqrt(2.0 / fan_in)
        if key in ("sigmoid", "xavier"):
            return math.sqrt(1.0 / fan_in)
        raise ValueError(f"{where}: weight_init_std must be 'relu'/'he', 'sigmoid'/'xavier' "
                         f"or a positive number, got {spec!r}")
    if not checks.is_real(spec) or not spec > 0:
        raise ValueError(f"{where}: weight_init_std must be 'relu'/'he', 'sigmoid'/'xavier' "
                         f"or a positive number, got {spec!r}")
    return float(spec)


def book_init_(layer, std):
    """The book's initialisation: weights ``std * randn``, biases zero."""
    nn.init.normal_(layer.weight, 0.0, std)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def activation(name, where):
    if name not in _ACTIVATIONS:
        raise ValueError(f"{where}: activation must be one of {', '.join(map(repr, _ACTIVATIONS))}"
                         f", got {name!r}")
    return _ACTIVATIONS[name]()


def image_dim(input_dim, where):
    """Validate ``input_dim = (channels, height, width)``."""
    if (not isinstance(input_dim, (tuple, list)) or len(input_dim) != 3
            or not all(checks.is_int(v) and v > 0 for v in input_dim)):
        raise ValueError(f"{where}: input_dim must be (channels, height, width) of positive "
                         f"ints, got {input_dim!r}")
    return tuple(int(v) for v in input_dim)

