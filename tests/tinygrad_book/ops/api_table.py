"""The table behind test_api_parity.py: each row is one op on some shapes.

A row is ``(id, fn, specs, flags)``: ``fn(L, *inputs)`` runs with ``L`` the
``tinygrad_book`` module or ``torch`` (the same code on both sides), ``specs``
give the inputs (a shape, or ``(shape, domain)``), ``flags`` holds 'gg' for a
gradgradcheck and 'nograd' for ops whose result is not differentiable.
"""
import numpy as np

DOMAINS = {"any": (-1.0, 1.0), "pos": (0.5, 2.0), "unit": (-0.9, 0.9), "gt1": (1.1, 3.0),
           "wide": (-3.0, 3.0)}


def idx(L, values):
    return L.tensor(values)


ROWS = []


def row(name, fn, *specs, flags=""):
    ROWS.append((name, fn, specs, flags))


# -- maths ---------------------------------------------------------------------------
for op, dom in [("tan", "unit"), ("asin", "unit"), ("acos", "unit"), ("atan", "any"),
                ("sinh", "any"), ("cosh", "any"), ("asinh", "any"), ("acosh", "gt1"),
                ("atanh", "unit"), ("log2", "pos"), ("log10", "pos"), ("log1p", "pos"),
                ("expm1", "any"), ("exp2", "any"), ("rsqrt", "pos"), ("reciprocal", "pos"),
                ("square", "any"), ("erf", "wide"), ("erfinv", "unit")]:
    row(f"{op}-fn", lambda L, x, op=op: getattr(L, op)(x), ((2, 3), dom), flags="gg")
    row(f"{op}-method-0d", lambda L, x, op=op: getattr(x, op)(), ((), dom))
    row(f"{op}-empty", lambda L, x, op=op: getattr(L, op)(x), ((0, 3), dom))
for op in ("atan2", "logaddexp", "hypot", "copysign"):
    row(f"{op}-bcast", lambda L, a, b, op=op: getattr(L, op)(a, b), (2, 3), (3,), flags="gg")
    row(f"{op}-method-0d", lambda L, a, b, op=op: getattr(a, op)(b), (), ())
row("xlogy", lambda L, a, b: L.xlogy(a, b), (2, 3), ((2, 3), "pos"), flags="gg")
row("xlogy-number", lambda L, a: L.xlogy(a, 2.0), (4,))
row("lerp-tensor-weight", lambda L, a, b, w: L.lerp(a, b, w), (2, 3), (2, 3), (3,), flags="gg")
row("lerp-number", lambda L, a, b: a.lerp(b, 0.25), (4,), (4,))

# -- rounding -----------------------------------------------------------------------
for op in ("floor", "ceil", "trunc", "sign", "frac"):
    row(op, lambda L, x, op=op: getattr(L, op)(x * 3), ((2, 5), "wide"))
row("round-decimals", lambda L, x: L.round(x * 10, decimals=1), (2, 5))
row("remainder", lambda L, a, b: L.remainder(a * 3, b), ((3, 4), "wide"), ((4,), "pos"),
    flags="gg")
row("mod-op", lambda L, a, b: (a * 3) % b, ((3, 4), "wide"), ((3, 4), "pos"))
row("fmod", lambda L, a, b: L.fmod(a * 3, b), ((3, 4), "wide"), ((4,), "pos"), flags="gg")
# PyTorch refuses to differentiate //; ours gives 0, as div(rounding_mode='floor')
row("floordiv-op", lambda L, a, b: (a * 3) // b, ((3, 4), "wide"), ((3, 4), "pos"),
    flags="nograd")
row("div-floor", lambda L, a, b: L.div(a * 3, b, rounding_mode="floor"), (3, 4), (4,))
row("div-trunc", lambda L, a, b: a.div(b, rounding_mode="trunc"), (3, 4), ((4,), "pos"))
row("div-none", lambda L, a, b: L.div(a, b), (3, 4), ((4,), "pos"))

# -- indexing -----------------------------------------------------------------------
row("flip", lambda L, x: L.flip(x, (0, -1)), (2, 3, 4), flags="gg")
row("flip-method", lambda L, x: x.flip(1), (2, 3))
row("roll", lambda L, x: L.roll(x, (1, -2), (0, 2)), (2, 3, 4), flags="gg")
row("roll-flat", lambda L, x: x.roll(2), (2, 3))
row("repeat", lambda L, x: x.repeat(2, 1, 3), (2, 3), flags="gg")
row("repeat-0d", lambda L, x: x.repeat(3), ())
row("tile", lambda L, x: L.tile(x, (2,)), (2, 3))
row("repeat_interleave", lambda L, x: L.repeat_interleave(x, 2, dim=-1), (2, 3), flags="gg")
row("repeat_interleave-tensor", lambda L, x: x.repeat_interleave(idx(L, [1, 0, 2]), dim=0),
    (3, 2))
row("repeat_interleave-flat", lambda L, x: x.repeat_interleave(2), (2, 2))
row("gather", lambda L, x: L.gather(x, 1, idx(L, [[0, 0], [2, 1]])), (2, 3), flags="gg")
row("gather-neg-dim", lambda L, x: x.gather(-1, idx(L, [[[1], [0]]])), (1, 2, 3))
row("scatter", lambda L, x, s: L.scatter(x, 1, idx(L, [[2, 0]]), s), (2, 3), (1, 2), flags="gg")
row("scatter-value", lambda L, x: x.scatter(0, idx(L, [[1, 0, 1]]), 5.0), (2, 3))
row("scatter_add", lambda L, x, s: L.scatter_add(x, 1, idx(L, [[0, 0, 2], [1, 1, 1]]), s),
    (2, 3), (2, 3), flags="gg")
for red in ("sum", "mean", "amax", "amin", "prod"):
    for inc in (True, False):
        row(f"scatter_reduce-{red}-{inc}",
            lambda L, x, s, red=red, inc=inc: x.scatter_reduce(
                0, idx(L, [[0, 1, 0], [0, 2, 2]]), s, red, include_self=inc), (3, 3), (2, 3))
row("index_select", lambda L, x: L.index_select(x, 1, idx(L, [2, 0, 2])), (2, 3), flags="gg")
row("index_add", lambda L, x, s: x.index_add(0, idx(L, [1, 1]), s, alpha=2), (2, 3), (2, 3),
    flags="gg")
row("masked_fill", lambda L, x: L.masked_fill(x, x > 0, 0.5), (2, 3), flags="gg")
row("masked_fill-0d-tensor", lambda L, x, v: x.masked_fill(idx(L, [True, False, True]), v),
    (2, 3), ())
row("masked_select", lambda L, x: L.masked_select(x, x > 0), (2, 3), flags="gg")
row("take", lambda L, x: L.take(x, idx(L, [[0, 5], [-1, 2]])), (2, 3), flags="gg")
row("take_along_dim", lambda L, x: L.take_along_dim(x, idx(L, [[0], [2]]), dim=1), (2, 3))
row("take_along_dim-flat", lambda L, x: x.take_along_dim(idx(L, [3, 0])), (2, 3))
row("tril", lambda L, x: L.tril(x, -1), (2, 3, 4), flags="gg")
row("triu", lambda L, x: x.triu(1), (3, 4))
row("diag-vector", lambda L, x: L.diag(x, 1), (3,), flags="gg")
row("diag-matrix", lambda L, x: L.diag(x, -1), (3, 4))
row("diagonal", lambda L, x: L.diagonal(x, 1, 0, 2), (3, 2, 4), flags="gg")
row("diagonal-method", lambda L, x: x.diagonal(dim1=-1, dim2=-2), (2, 3, 3))
row("diag_embed", lambda L, x: L.diag_embed(x, -1), (2, 3), flags="gg")
row("diag_embed-dims", lambda L, x: x.diag_embed(1, 0, 2), (2, 3))
row("unflatten", lambda L, x: x.unflatten(1, (2, -1)), (2, 6))
row("unfold", lambda L, x: x.unfold(1, 2, 2), (2, 5, 3), flags="gg")
row("meshgrid-ij", lambda L, a, b: L.meshgrid(a, b, indexing="ij")[1], (3,), (2,))
row("meshgrid-xy", lambda L, a, b: L.meshgrid(a, b, indexing="xy")[0] * 2, (3,), (2,))
row("narrow", lambda L, x: L.narrow(x, -1, 1, 2), (2, 4))
row("select", lambda L, x: x.select(1, -1), (2, 4))
row("movedim", lambda L, x: L.movedim(x, (0, 1), (2, 0)), (2, 3, 4))
row("swapdims", lambda L, x: x.swapdims(0, 2), (2, 3, 4))
row("swapaxes", lambda L, x: L.swapaxes(x, 0, -1), (2, 3))
row("t", lambda L, x: x.t(), (2, 3))

# -- scans and sorting ------------------------------------------------------------
row("cumsum", lambda L, x: L.cumsum(x, dim=1), (2, 3), flags="gg")
row("cumsum-neg-dim-0d", lambda L, x: x.cumsum(-1), ())
row("cumsum-empty", lambda L, x: x.cumsum(0), (0, 3))
row("cumprod", lambda L, x: L.cumprod(x, 0), (3, 2), flags="gg")
row("cumprod-with-zero", lambda L, x: x.masked_fill(idx(L, [[False, True, False]]), 0.0)
    .cumprod(-1), (2, 3), flags="gg")
row("cummax", lambda L, x: L.cummax(x, 1), (2, 4), flags="gg")
row("cummin", lambda L, x: x.cummin(0), (3, 2))
row("logcumsumexp", lambda L, x: L.logcumsumexp(x * 5, 1), (2, 4), flags="gg")
row("sort", lambda L, x: L.sort(x, dim=0), (3, 2), flags="gg")
row("sort-descending", lambda L, x: x.sort(descending=True), (2, 4))
row("argsort", lambda L, x: (x * 2, L.argsort(x, dim=1, descending=True)), (2, 3))
row("topk", lambda L, x: L.topk(x, 2), (2, 4), flags="gg")
row("topk-smallest", lambda L, x: x.topk(2, dim=0, largest=False), (3, 2))
row("kthvalue", lambda L, x: L.kthvalue(x, 2, 1), (2, 4))
row("kthvalue-keepdim", lambda L, x: x.kthvalue(1, 0, keepdim=True), (3, 2))
row("median-all", lambda L, x: L.median(x), (2, 4))
row("median-dim", lambda L, x: x.median(dim=-1, keepdim=True), (3, 4))
row("msort", lambda L, x: L.msort(x), (3, 2))

# -- linear algebra -----------------------------------------------------------------
row("einsum-matmul", lambda L, a, b: L.einsum("ij,jk->ik", a, b), (2, 3), (3, 4), flags="gg")
row("einsum-implicit", lambda L, a, b: L.einsum("ij,kj", a, b), (2, 3), (4, 3))
row("einsum-trace", lambda L, a: L.einsum("ii", a), (3, 3), flags="gg")
row("einsum-diag", lambda L, a: L.einsum("ii->i", a), (3, 3))
row("einsum-sum-out", lambda L, a: L.einsum("ijk->j", a), (2, 3, 4))
row("einsum-ellipsis", lambda L, a, b: L.einsum("...ij,...jk->...ik", a, b), (2, 2, 3),
    (3, 4), flags="gg")
row("einsum-bcast-1", lambda L, a, b: L.einsum("bij,bj->bi", a, b), (2, 3, 4), (1, 4))
row("einsum-three", lambda L, a, b, c: L.einsum("i,ij,j->", a, b, c), (2,), (2, 3), (3,),
    flags="gg")
row("einsum-outer-list", lambda L, a, b: L.einsum("i,j->ji", [a, b]), (2,), (3,))
row("outer", lambda L, a, b: L.outer(a, b), (2,), (3,), flags="gg")
row("dot", lambda L, a, b: a.dot(b), (3,), (3,))
row("inner", lambda L, a, b: L.inner(a, b), (2, 3), (4, 3))
row("mv", lambda L, a, b: L.mv(a, b), (2, 3), (3,))
row("mm", lambda L, a, b: a.mm(b), (2, 3), (3, 2), flags="gg")
row("bmm", lambda L, a, b: L.bmm(a, b), (2, 2, 3), (2, 3, 2))
row("addmm", lambda L, i, a, b: L.addmm(i, a, b, beta=0.5, alpha=2), (2,), (2, 3), (3, 2),
    flags="gg")
row("baddbmm", lambda L, i, a, b: i.baddbmm(a, b, alpha=-1), (2, 1, 2), (2, 2, 3),
    (2, 3, 2))
row("addmv", lambda L, i, a, b: L.addmv(i, a, b), (2,), (2, 3), (3,))
row("cross", lambda L, a, b: L.cross(a, b, dim=0), (3, 2), (3, 2), flags="gg")
row("linalg-cross", lambda L, a, b: L.linalg.cross(a, b), (2, 3), (1, 3))
row("trace", lambda L, a: L.trace(a), (3, 4))

# -- norms --------------------------------------------------------------------------
for p in (1, 2, 3, float("inf"), -float("inf")):
    row(f"vector_norm-{p}", lambda L, x, p=p: L.linalg.vector_norm(x, p, dim=1, keepdim=True),
        (2, 3), flags="gg" if p in (2, 3) else "")
row("norm-fro", lambda L, x: x.norm(), (2, 3), flags="gg")
row("norm-dim-tuple", lambda L, x: x.norm(p=1, dim=(0, 2)), (2, 3, 2))
row("norm-inf", lambda L, x: x.norm(p=float("inf"), dim=-1), (2, 3))
row("norm-zero-vector", lambda L, x: (x * 0).norm(dim=1), (2, 3))
row("linalg-norm", lambda L, x: L.linalg.norm(x), (2, 3))
for o in ("fro", 1, -1, float("inf"), -float("inf")):
    row(f"matrix_norm-{o}", lambda L, x, o=o: L.linalg.matrix_norm(x, o), (2, 3, 4))
    row(f"linalg-norm-matrix-{o}", lambda L, x, o=o: L.linalg.norm(x, o), (3, 4))

# -- reductions ---------------------------------------------------------------------
def with_nan(L, x):
    return x.masked_fill(L.tensor([[True, False, False], [False, False, True]]), float("nan"))


row("prod-all", lambda L, x: L.prod(x), (2, 3), flags="gg")
row("prod-dim-keepdim", lambda L, x: x.prod(dim=-1, keepdim=True), (2, 3), flags="gg")
row("prod-with-zeros", lambda L, x: x.masked_fill(L.tensor([[True, False], [True, True],
                                                            [False, False]]), 0.0).prod(0),
    (3, 2), flags="gg")
row("prod-0d", lambda L, x: x.prod(), ())
row("prod-empty", lambda L, x: x.prod(1), (0, 3))
row("amax-dims", lambda L, x: L.amax(x, dim=(0, -1)), (2, 3, 2))
row("amin-keepdim", lambda L, x: x.amin(1, keepdim=True), (2, 3))
row("amax-all", lambda L, x: x.amax(), (2, 3))
row("aminmax", lambda L, x: L.aminmax(x, dim=0), (3, 2))
row("var_mean", lambda L, x: L.var_mean(x, dim=1, keepdim=True), (2, 4), flags="gg")
row("std_mean-correction", lambda L, x: L.std_mean(x, 0, correction=0), (3, 2))
row("nansum", lambda L, x: L.nansum(with_nan(L, x), dim=1), (2, 3))
row("nanmean", lambda L, x: with_nan(L, x).nanmean(dim=0, keepdim=True), (2, 3))
row("nanmean-all", lambda L, x: L.nanmean(with_nan(L, x)), (2, 3))


# -- compositions (ops/combine.py) ------------------------------------------------------
row("vstack", lambda L, a, b: L.vstack([a, b]), (3,), (2, 3), flags="gg")
row("hstack", lambda L, a, b: L.hstack([a, b]), (2, 3), (2, 1))
row("hstack-1d", lambda L, a, b: L.hstack((a, b)), (3,), (2,))
row("dstack", lambda L, a, b: L.dstack([a, b]), (2, 3), (2, 3))
row("column_stack", lambda L, a, b: L.column_stack([a, b]), (3,), (3, 2))
row("atleast_3d", lambda L, a: L.atleast_3d(a), (3,))
row("atleast_2d-0d", lambda L, a: L.atleast_2d(a), ())
row("rot90", lambda L, a: L.rot90(a, 1, (0, 1)), (2, 3), flags="gg")
row("rot90-k3", lambda L, a: a.rot90(-1, (1, 2)), (2, 3, 4))
row("rot90-k2", lambda L, a: a.rot90(2), (2, 3))
row("kron", lambda L, a, b: L.kron(a, b), (2, 3), (2, 2), flags="gg")
row("kron-ranks", lambda L, a, b: L.kron(a, b), (2,), (2, 3))
row("tensordot-int", lambda L, a, b: L.tensordot(a, b, 1), (2, 3), (3, 4), flags="gg")
row("tensordot-lists", lambda L, a, b: L.tensordot(a, b, ([0, 2], [1, 0])), (2, 3, 4),
    (4, 2, 5))
row("diff", lambda L, a: L.diff(a, dim=1), (2, 4), flags="gg")
row("diff-n2-prepend", lambda L, a, p: a.diff(2, 0, prepend=p), (3, 2), (1, 2))
row("expand_as", lambda L, a, b: a.expand_as(b), (1, 3), (2, 3))
row("reshape_as", lambda L, a, b: a.reshape_as(b) * b, (6,), (2, 3))
row("clamp_min_max", lambda L, a: a.clamp_min(-0.2).clamp_max(0.3), (2, 3))
row("addcmul", lambda L, a, b, c: L.addcmul(a, b, c, value=0.5), (2, 3), (3,), (2, 1),
    flags="gg")
row("addcdiv", lambda L, a, b, c: a.addcdiv(b, c, value=2), (2, 3), (3,), ((2, 1), "pos"))
row("float_power", lambda L, a, b: L.float_power(a, b), ((2, 3), "pos"), (3,))
row("fmax-fmin", lambda L, a, b: (L.fmax(a, b), L.fmin(a, b)), (2, 3), (2, 3))
row("nan_to_num", lambda L, a: L.nan_to_num(a.masked_fill(L.tensor([True, False]), float("nan"))
                                           .log(), nan=1.5), ((2,), "pos"))
row("logit", lambda L, a: L.logit(a * 0.4 + 0.5), (2, 3), flags="gg")
row("logit-eps", lambda L, a: a.logit(eps=0.2), ((2, 3), "pos"))

# -- function forms of the core methods, as torch.exp(x), torch.max(x, dim) ----------------
for op in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "neg"):
    row(f"{op}-function", lambda L, x, op=op: getattr(L, op)(x), ((2, 3), "pos"))
row("sum-function", lambda L, x: L.sum(x, 1, keepdim=True), (2, 3))
row("mean-function-dims", lambda L, x: L.mean(x, (0, 2)), (2, 3, 2))
row("std-var-function", lambda L, x: (L.std(x, 0), L.var(x, dim=1)), (3, 2))
row("logsumexp-function", lambda L, x: L.logsumexp(x, -1), (2, 3))
row("max-dim", lambda L, x: L.max(x, 1), (2, 3), flags="gg")
row("min-dim-keepdim", lambda L, x: L.min(x, dim=0, keepdim=True), (3, 2))
row("max-all", lambda L, x: L.max(x), (2, 3))
row("max-elementwise", lambda L, a, b: L.max(a, b), (2, 3), (3,))
row("shape-functions", lambda L, x: L.transpose(L.unsqueeze(L.reshape(L.flatten(x), (3, 2)),
                                                            0), 0, 2), (2, 3))
row("permute-squeeze", lambda L, x: L.squeeze(L.permute(x, (2, 0, 1))), (2, 1, 3))
row("clamp-clip", lambda L, x: (L.clamp(x, -0.5, 0.5), L.clip(x, max=0.1)), (2, 3))
row("chunk-function", lambda L, x: L.chunk(x, 2, 1)[1], (2, 5))
row("arith-functions", lambda L, a, b: L.add(L.mul(a, b), L.sub(a, L.pow(b, 2))), (2, 3),
    (3,))

# -- values only: logic and integer ops (exact comparison) ------------------------
VALUE_ROWS = [
    ("eq-ne", lambda L, a, b: (a.eq(b), a.ne(b), L.eq(a, 1))),
    ("lt-le-gt-ge", lambda L, a, b: (a.lt(b), a.le(b), a.gt(b), a.ge(b), L.greater(a, b))),
    ("logical", lambda L, a, b: (L.logical_and(a, b), L.logical_or(a, b), a.logical_xor(b),
                                 L.logical_not(a))),
    ("bitwise", lambda L, a, b: (a & b, a | b, a ^ b, ~a, a & 3, a << 2, b >> 1,
                                 L.bitwise_and(a, b), a.bitwise_or(b))),
    ("bool-ops", lambda L, a, b: ((a > 0) & (b > 0), (a > 0) | (b > 0), ~(a > 0),
                                  (a > 0) ^ True)),
    ("int-division", lambda L, a, b: (a // b, a % b, L.fmod(a, b), L.remainder(a, -3),
                                      L.div(a, b, rounding_mode="trunc"),
                                      L.div(a, b, rounding_mode="floor"), a // 2)),
    ("int-rounding", lambda L, a, b: (L.floor(a), L.ceil(b), L.round(a), L.sign(a))),
    ("unique", lambda L, a, b: L.unique(a, return_inverse=True, return_counts=True)),
    ("unique-dim", lambda L, a, b: L.unique(L.cat([a, a]), dim=0)),
    ("mode", lambda L, a, b: (L.mode(a % 2, 1), a.mode(0, keepdim=True))),
    ("any-all", lambda L, a, b: (a.any(), a.all(), L.any(a, dim=1), a.all(dim=0, keepdim=True),
                                 (a > 0).any(-1), L.all(b, 1, True))),
    ("count_nonzero", lambda L, a, b: (L.count_nonzero(a), a.count_nonzero(dim=0),
                                       L.count_nonzero(b, dim=(0, 1)))),
    ("int-prod", lambda L, a, b: (a.prod(), L.prod(b, 1), (a > 0).prod(0))),
    ("max-min-int", lambda L, a, b: (L.max(a, 1), L.min(b), L.max(a, b), a.clamp_min(0))),
    ("nonzero", lambda L, a, b: (L.nonzero(a), L.argwhere(b), L.nonzero(a, as_tuple=True)[1])),
]

FLOAT_VALUE_ROWS = [
    ("isnan-isinf", lambda L, x: (L.isnan(x), x.isinf(), L.isfinite(x), L.isposinf(x),
                                  L.isneginf(x), L.signbit(x))),
    ("isclose", lambda L, x: (L.isclose(x, x + 1e-9), x.isclose(x * 2, equal_nan=True),
                              L.isclose(x, L.zeros_like(x), atol=0.5))),
]


def value_inputs(L):
    a = L.tensor([[5, -7, 0], [3, 2, -1]])
    b = L.tensor([[2, 2, 3], [-2, 5, 1]])
    return a, b


def float_value_input(L):
    return L.tensor([1.0, -2.0, float("nan"), float("inf"), -float("inf"), 0.0, -0.0])


def draw(specs, seed):
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        shape, dom = spec if len(spec) == 2 and isinstance(spec[1], str) else (spec, "any")
        low, high = DOMAINS[dom]
        out.append(rng.uniform(low, high, size=shape))
    return out
