"""What type checkers and IDEs see of Tensor's registered methods (never imported at run
time).

The ops attach their front functions to Tensor by registration (``registry.tensor_method``),
which a type checker cannot follow. ``tensor.py`` derives Tensor from ``TensorMethods`` only
under ``TYPE_CHECKING``; each line below names the registered function itself, so its
signature and docstring keep one home (the op). tests/tinygrad_book/test_typing.py checks
that this list and the registry agree, and prints the lines to add when they do not.
"""
from __future__ import annotations

from .ops import activation as _activation
from .ops import binary_math as _binary_math
from .ops import casts as _casts
from .ops import combine as _combine
from .ops import elementwise as _elementwise
from .ops import indexing as _indexing
from .ops import inplace as _inplace
from .ops import join as _join
from .ops import linalg as _linalg
from .ops import logic as _logic
from .ops import maths as _maths
from .ops import matmul as _matmul
from .ops import norms as _norms
from .ops import reduce as _reduce
from .ops import reductions as _reductions
from .ops import reorder as _reorder
from .ops import rounding as _rounding
from .ops import scan as _scan
from .ops import select as _select
from .ops import shape as _shape
from .ops import sorting as _sorting
from .ops import subscript as _subscript
from .ops import unary_math as _unary_math


class TensorMethods:
    """The registered methods of Tensor, by name."""

    # The registered __eq__ leaves Tensor hashable by identity (tensor.py sets __hash__).
    __hash__ = object.__hash__

    atan2 = _binary_math.atan2
    arctan2 = _binary_math.atan2
    logaddexp = _binary_math.logaddexp
    copysign = _binary_math.copysign
    hypot = _binary_math.hypot
    xlogy = _binary_math.xlogy
    lerp = _binary_math.lerp
    square = _binary_math.square
    astype = _casts.astype
    to = _casts.to
    float = _casts.float_
    double = _casts.double
    long = _casts.long
    clone = _casts.clone
    half = _casts.half
    int = _casts.int_
    short = _casts.short
    char = _casts.char
    byte = _casts.byte
    bool = _casts.bool_
    type = _casts.type_
    type_as = _casts.type_as
    contiguous = _casts.contiguous
    new_zeros = _casts.new_zeros
    new_ones = _casts.new_ones
    new_empty = _casts.new_empty
    new_full = _casts.new_full
    new_tensor = _casts.new_tensor
    rot90 = _combine.rot90
    diff = _combine.diff
    expand_as = _combine.expand_as
    view_as = _combine.reshape_as
    reshape_as = _combine.reshape_as
    clamp_min = _combine.clamp_min
    clamp_max = _combine.clamp_max
    addcmul = _combine.addcmul
    addcdiv = _combine.addcdiv
    float_power = _combine.float_power
    fmax = _combine.fmax
    fmin = _combine.fmin
    nan_to_num = _combine.nan_to_num
    logit = _combine.logit
    __add__ = _elementwise.add
    add = _elementwise.add
    __radd__ = _elementwise.radd
    __sub__ = _elementwise.sub
    sub = _elementwise.sub
    __rsub__ = _elementwise.rsub
    __mul__ = _elementwise.mul
    mul = _elementwise.mul
    __rmul__ = _elementwise.rmul
    __truediv__ = _elementwise.div
    __rtruediv__ = _elementwise.rdiv
    __pow__ = _elementwise.pow
    pow = _elementwise.pow
    __rpow__ = _elementwise.rpow
    __neg__ = _elementwise.neg
    neg = _elementwise.neg
    __pos__ = _elementwise.pos
    __abs__ = _elementwise.abs
    abs = _elementwise.abs
    maximum = _elementwise.maximum
    minimum = _elementwise.minimum
    gather = _indexing.gather
    scatter = _indexing.scatter
    scatter_add = _indexing.scatter_add
    scatter_reduce = _indexing.scatter_reduce
    index_select = _indexing.index_select
    index_add = _indexing.index_add
    masked_fill = _indexing.masked_fill
    masked_select = _indexing.masked_select
    take = _indexing.take
    take_along_dim = _indexing.take_along_dim
    nonzero = _indexing.nonzero
    argwhere = _indexing.nonzero
    zero_ = _inplace.zero_
    fill_ = _inplace.fill_
    copy_ = _inplace.copy_
    add_ = _inplace.add_
    sub_ = _inplace.sub_
    mul_ = _inplace.mul_
    div_ = _inplace.div_
    addcmul_ = _inplace.addcmul_
    addcdiv_ = _inplace.addcdiv_
    lerp_ = _inplace.lerp_
    clamp_ = _inplace.clamp_
    sqrt_ = _inplace.sqrt_
    maximum_ = _inplace.maximum_
    __iadd__ = _inplace.iadd
    __isub__ = _inplace.isub
    __imul__ = _inplace.imul
    __itruediv__ = _inplace.itruediv
    uniform_ = _inplace.uniform_
    normal_ = _inplace.normal_
    split = _join.split_method
    chunk = _join.chunk
    pad = _join.pad_method
    outer = _linalg.outer
    ger = _linalg.outer
    dot = _linalg.dot
    inner = _linalg.inner
    mv = _linalg.mv
    mm = _linalg.mm
    bmm = _linalg.bmm
    addmm = _linalg.addmm
    baddbmm = _linalg.baddbmm
    addmv = _linalg.addmv
    cross = _linalg.cross
    trace = _linalg.trace
    eq = _logic.eq
    ne = _logic.ne
    not_equal = _logic.ne
    lt = _logic.lt
    less = _logic.lt
    le = _logic.le
    less_equal = _logic.le
    gt = _logic.gt
    greater = _logic.gt
    ge = _logic.ge
    greater_equal = _logic.ge
    logical_and = _logic.logical_and
    logical_or = _logic.logical_or
    logical_xor = _logic.logical_xor
    logical_not = _logic.logical_not
    isnan = _logic.isnan
    isinf = _logic.isinf
    isposinf = _logic.isposinf
    isneginf = _logic.isneginf
    isfinite = _logic.isfinite
    signbit = _logic.signbit
    isclose = _logic.isclose
    allclose = _logic.allclose
    equal = _logic.equal
    bitwise_and = _logic.bitwise_and
    __and__ = _logic.bitwise_and
    bitwise_or = _logic.bitwise_or
    __or__ = _logic.bitwise_or
    bitwise_xor = _logic.bitwise_xor
    __xor__ = _logic.bitwise_xor
    bitwise_left_shift = _logic.bitwise_left_shift
    __lshift__ = _logic.bitwise_left_shift
    bitwise_right_shift = _logic.bitwise_right_shift
    __rshift__ = _logic.bitwise_right_shift
    __rand__ = _logic._rand
    __ror__ = _logic._ror
    __rxor__ = _logic._rxor
    bitwise_not = _logic.bitwise_not
    __invert__ = _logic.bitwise_not
    exp = _maths.exp
    log = _maths.log
    sqrt = _maths.sqrt
    sin = _maths.sin
    cos = _maths.cos
    tanh = _activation.tanh
    sigmoid = _activation.sigmoid
    relu = _activation.relu
    clamp = _maths.clamp
    clip = _maths.clamp
    __matmul__ = _matmul.matmul
    matmul = _matmul.matmul
    __rmatmul__ = _matmul.rmatmul
    norm = _norms.tensor_norm
    sum = _reduce.sum_
    mean = _reduce.mean
    max = _reduce.max_
    min = _reduce.min_
    argmax = _reductions.argmax
    argmin = _reductions.argmin
    logsumexp = _reduce.logsumexp
    var = _reduce.var
    std = _reduce.std
    prod = _reduce.prod
    amax = _reductions.amax
    amin = _reductions.amin
    aminmax = _reductions.aminmax
    var_mean = _reductions.var_mean
    std_mean = _reductions.std_mean
    count_nonzero = _reductions.count_nonzero
    nansum = _reductions.nansum
    nanmean = _reductions.nanmean
    any = _reductions.any
    all = _reductions.all
    flip = _reorder.flip
    fliplr = _reorder.fliplr
    flipud = _reorder.flipud
    roll = _reorder.roll
    repeat = _reorder.repeat
    tile = _reorder.tile
    repeat_interleave = _reorder.repeat_interleave
    tril = _reorder.tril
    triu = _reorder.triu
    diagonal = _reorder.diagonal
    diag_embed = _reorder.diag_embed
    diag = _reorder.diag
    unflatten = _reorder.unflatten
    unfold = _reorder.unfold
    narrow = _reorder.narrow
    select = _reorder.select
    movedim = _reorder.movedim
    moveaxis = _reorder.movedim
    swapdims = _reorder.swapdims
    swapaxes = _reorder.swapdims
    t = _reorder.t
    floor = _rounding.floor
    ceil = _rounding.ceil
    trunc = _rounding.trunc
    fix = _rounding.trunc
    round = _rounding.round
    sign = _rounding.sign
    frac = _rounding.frac
    remainder = _rounding.remainder
    __mod__ = _rounding.remainder
    __rmod__ = _rounding._rmod
    fmod = _rounding.fmod
    div = _rounding.div
    true_divide = _rounding.true_divide
    divide = _rounding.div
    floor_divide = _rounding.floor_divide
    __floordiv__ = _rounding.floor_divide
    __rfloordiv__ = _rounding._rfloordiv
    cumsum = _scan.cumsum
    cumprod = _scan.cumprod
    cummax = _scan.cummax
    cummin = _scan.cummin
    logcumsumexp = _scan.logcumsumexp
    __eq__ = _select.eq  # type: ignore[assignment]  # elementwise, as PyTorch's (not a bool)
    __ne__ = _select.ne  # type: ignore[assignment]  # likewise
    __lt__ = _select.lt
    __le__ = _select.le
    __gt__ = _select.gt
    __ge__ = _select.ge
    reshape = _shape.reshape
    view = _shape.reshape
    flatten = _shape.flatten
    permute = _shape.permute
    transpose = _shape.transpose
    squeeze = _shape.squeeze
    unsqueeze = _shape.unsqueeze
    expand = _shape.expand
    broadcast_to = _shape.broadcast_to
    sort = _sorting.sort
    argsort = _sorting.argsort
    msort = _sorting.msort
    topk = _sorting.topk
    kthvalue = _sorting.kthvalue
    median = _sorting.median
    mode = _sorting.mode
    unique = _sorting.unique
    __getitem__ = _subscript.getitem
    __setitem__ = _subscript.setitem
    tan = _unary_math.tan
    asin = _unary_math.asin
    arcsin = _unary_math.asin
    acos = _unary_math.acos
    arccos = _unary_math.acos
    atan = _unary_math.atan
    arctan = _unary_math.atan
    sinh = _unary_math.sinh
    cosh = _unary_math.cosh
    asinh = _unary_math.asinh
    arcsinh = _unary_math.asinh
    acosh = _unary_math.acosh
    arccosh = _unary_math.acosh
    atanh = _unary_math.atanh
    arctanh = _unary_math.atanh
    log1p = _unary_math.log1p
    expm1 = _unary_math.expm1
    exp2 = _unary_math.exp2
    rsqrt = _unary_math.rsqrt
    reciprocal = _unary_math.reciprocal
    erf = _unary_math.erf
    erfinv = _unary_math.erfinv
    log2 = _unary_math.log2
    log10 = _unary_math.log10
