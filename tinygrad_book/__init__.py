"""tinygrad_book: a small deep-learning framework on NumPy for readers of
"Deep Learning from Scratch" (chapters 6-7), with a PyTorch-style API.

    import tinygrad_book as tb
    from tinygrad_book import nn, optim
"""
import os as _os

import numpy as _np

# Installed, nn/ and optim/ are sub-packages (pyproject's package-dir puts them
# there). In a source checkout they sit beside this folder, and a checkout on
# sys.path (Python run from its root) shadows an installed copy: look for them
# there too, so `import tinygrad_book.nn` works either way.
if not _os.path.isdir(_os.path.join(__path__[0], "nn")):
    _checkout = _os.path.dirname(_os.path.abspath(__path__[0]))
    if _os.path.isfile(_os.path.join(_checkout, "nn", "__init__.py")):
        __path__.append(_checkout)

from . import (
    linalg,
    viz,  # (attaches Tensor._repr_svg_, Jupyter's picture of a tensor)
)
from .autograd import Context, Function
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    logspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

# Eager, so that the functions (not the module of the same name) are the attributes.
from .gradcheck import gradcheck, gradgradcheck, numerical_grad
from .gradients import grad
from .ops.activation import relu, sigmoid, tanh

# Function forms of the Tensor methods, as torch.exp(x), torch.sum(x, dim)...
from .ops.casts import clone
from .ops.combine import (
    addcdiv,
    addcmul,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    clamp_max,
    clamp_min,
    column_stack,
    diff,
    dstack,
    float_power,
    fmax,
    fmin,
    hstack,
    kron,
    logit,
    nan_to_num,
    rot90,
    row_stack,
    tensordot,
    vstack,
)
from .ops.elementwise import abs, add, maximum, minimum, mul, neg, pow, sub
from .ops.join import cat, chunk, pad, split, stack
from .ops.maths import clamp, cos, exp, log, sin, sqrt
from .ops.matmul import matmul
from .ops.reduce import logsumexp, mean, prod, std, var
from .ops.reduce import sum_ as sum
from .ops.select import where
from .ops.shape import flatten, permute, reshape, squeeze, transpose, unsqueeze
from .random import manual_seed
from .tensor import Tensor

clip = clamp
from .ops.binary_math import atan2, copysign, hypot, lerp, logaddexp, square, xlogy
from .ops.front import DimensionError
from .ops.indexing import (
    argwhere,
    gather,
    index_add,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    scatter_reduce,
    take,
    take_along_dim,
)
from .ops.linalg import addmm, addmv, baddbmm, bmm, cross, dot, einsum, inner, mm, mv, outer, trace
from .ops.logic import (
    allclose,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    not_equal,
    signbit,
)
from .ops.norms import tensor_norm as norm
from .ops.reductions import (
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    count_nonzero,
    max,
    min,
    nanmean,
    nansum,
    std_mean,
    var_mean,
)
from .ops.reorder import (
    diag,
    diag_embed,
    diagonal,
    flip,
    fliplr,
    flipud,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    repeat_interleave,
    roll,
    select,
    swapaxes,
    swapdims,
    t,
    tile,
    tril,
    triu,
    unflatten,
)
from .ops.rounding import (
    ceil,
    div,
    divide,
    floor,
    floor_divide,
    fmod,
    frac,
    remainder,
    round,
    sign,
    true_divide,
    trunc,
)
from .ops.scan import cummax, cummin, cumprod, cumsum, logcumsumexp
from .ops.sorting import argsort, kthvalue, median, mode, msort, sort, topk, unique
from .ops.unary_math import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    cosh,
    erf,
    erfinv,
    exp2,
    expm1,
    log1p,
    log2,
    log10,
    reciprocal,
    rsqrt,
    sinh,
    tan,
)

concatenate = cat
ger = outer

# dtype names as in PyTorch (tb.float32); they are NumPy's, so t.dtype == tb.float32 holds.
float32, float64, int64, bool_ = _np.float32, _np.float64, _np.int64, _np.bool_
float16, int32, int16, int8, uint8 = _np.float16, _np.int32, _np.int16, _np.int8, _np.uint8
half, float, double, long, int, short = float16, float32, float64, int64, int32, int16
bool = bool_  # noqa: A001 (torch.bool; shadows the builtin only as tinygrad_book.bool)

# The public names (what `from tinygrad_book import *` gives, and what type checkers and ruff
# treat as re-exported). The lazy ones below (nn, optim, save, load, ...) load on first use.
__all__ = ["linalg", "viz", "Context", "Function", "arange", "empty", "empty_like", "eye", "full",
    "full_like", "linspace", "logspace", "normal", "ones", "ones_like", "rand", "rand_like",
    "randint", "randint_like", "randn", "randn_like", "randperm", "tensor", "zeros", "zeros_like",
    "enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled", "gradcheck", "gradgradcheck",
    "numerical_grad", "grad", "clone", "addcdiv", "addcmul", "atleast_1d", "atleast_2d",
    "atleast_3d", "clamp_max", "clamp_min", "column_stack", "diff", "dstack", "float_power",
    "fmax", "fmin", "hstack", "kron", "logit", "nan_to_num", "rot90", "row_stack", "tensordot",
    "vstack", "abs", "add", "maximum", "minimum", "mul", "neg", "pow", "sub", "cat", "chunk",
    "pad", "split", "stack", "clamp", "cos", "exp", "log", "relu", "sigmoid", "sin", "sqrt",
    "tanh", "matmul", "argmax", "argmin", "logsumexp", "mean", "std", "var", "sum", "where",
    "flatten", "permute", "reshape", "squeeze", "transpose", "unsqueeze", "manual_seed", "Tensor",
    "clip", "atan2", "copysign", "hypot", "lerp", "logaddexp", "square", "xlogy",
    "DimensionError", "argwhere", "gather", "index_add", "index_select", "masked_fill",
    "masked_select", "nonzero", "scatter", "scatter_add", "scatter_reduce", "take",
    "take_along_dim", "addmm", "addmv", "baddbmm", "bmm", "cross", "dot", "einsum", "inner", "mm",
    "mv", "outer", "trace", "allclose", "bitwise_and", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "eq", "equal", "ge", "greater",
    "greater_equal", "gt", "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "le",
    "less", "less_equal", "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "ne",
    "not_equal", "signbit", "norm", "all", "amax", "amin", "aminmax", "any", "count_nonzero",
    "max", "min", "nanmean", "nansum", "prod", "std_mean", "var_mean", "diag", "diag_embed",
    "diagonal", "flip", "fliplr", "flipud", "meshgrid", "moveaxis", "movedim", "narrow",
    "repeat_interleave", "roll", "select", "swapaxes", "swapdims", "t", "tile", "tril", "triu",
    "unflatten", "ceil", "div", "divide", "floor", "floor_divide", "fmod", "frac", "remainder",
    "round", "sign", "true_divide", "trunc", "cummax", "cummin", "cumprod", "cumsum",
    "logcumsumexp", "argsort", "kthvalue", "median", "mode", "msort", "sort", "topk", "unique",
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cosh", "erf", "erfinv", "exp2", "expm1",
    "log1p", "log2", "log10", "reciprocal", "rsqrt", "sinh", "tan", "concatenate", "ger",
    "float32", "float64", "int64", "bool_", "float16", "int32", "int16", "int8", "uint8", "half",
    "float", "double", "long", "int", "short", "bool"]

__version__ = "0.1.0"


def __getattr__(name):
    # Heavier sub-systems load on first use, so `import tinygrad_book` stays quick
    # and the layers below never import the layers above.
    import importlib

    lazy = {
        "draw_graph": ("viz", "draw_graph"),
        "to_dot": ("viz", "to_dot"),
        "save": ("serialization", "save"),
        "load": ("serialization", "load"),
        "detect_anomaly": ("anomaly", "detect_anomaly"),
        "set_detect_anomaly": ("anomaly", "set_detect_anomaly"),
        "is_anomaly_enabled": ("anomaly", "is_anomaly_enabled"),
        "render_graph": ("viz", "render_graph"),
    }
    if name in lazy:
        module, attr = lazy[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    if name in ("nn", "optim", "models", "data", "testing", "viz", "training", "hyperparameter"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'tinygrad_book' has no attribute {name!r}")
