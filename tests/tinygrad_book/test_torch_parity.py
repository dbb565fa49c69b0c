"""Values and gradients of random expressions against PyTorch, in float64."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book.testing import assert_close

torch = pytest.importorskip("torch")


class TB:
    """The few names that differ between the libraries, tinygrad_book side."""
    where, maximum, minimum, cat, stack = tb.where, tb.maximum, tb.minimum, tb.cat, tb.stack

    @staticmethod
    def pad(x, width):  # ((before, after), ...) per axis
        return tb.pad(x, width)

    @staticmethod
    def logsumexp(x, axis):
        return x.logsumexp(axis=axis)


class TH:
    """The same names, PyTorch side."""
    where, maximum, minimum, cat, stack = (torch.where, torch.maximum, torch.minimum,
                                           torch.cat, torch.stack)

    @staticmethod
    def pad(x, width):
        flat = [w for pair in reversed(width) for w in pair]  # last axis first
        return torch.nn.functional.pad(x, flat)

    @staticmethod
    def logsumexp(x, axis):
        return torch.logsumexp(x, dim=axis)


# (name, input shapes, expression on (lib, *inputs)); inputs are uniform in [-1, 1)
# unless the name says "pos" (then in [0.5, 2)).
EXPRESSIONS = [
    ("mlp", [(4, 3), (3, 5), (5,), (5, 2)],
     lambda L, x, w1, b1, w2: ((x @ w1 + b1).tanh() @ w2).sigmoid().sum()),
    ("broadcast-rank", [(2, 3, 4), (4,), (3, 1)],
     lambda L, a, b, c: (a * b - c / (b * b + 1)).sum()),
    ("pos-log-sqrt", [(3, 4), (4,)], lambda L, a, b: (a.log() * b.sqrt() + a ** b).mean()),
    ("pos-pow-tensor", [(2, 3), (2, 3)], lambda L, a, b: (a ** b).sum() + (b ** 2.5).sum()),
    ("rpow-rdiv", [(5,)], lambda L, a: (2.0 ** a + 1.0 / (a * a + 1) - 3 * a).sum()),
    ("softmax-ce", [(4, 6)], lambda L, z: (z - L.logsumexp(z, 1).unsqueeze(1))[:, 2].mean()),
    ("var-std", [(3, 5)], lambda L, a: a.var(1).sum() + a.std(0).sum() + a.var().sqrt()),
    ("max-min", [(3, 5)], lambda L, a: _amax(L, a, 1).sum() - _amin(L, a, 0).sum()),
    ("relu-abs", [(4, 4)], lambda L, a: (a.relu() * 2 + a.abs() - (-a).relu()).sum()),
    ("clamp", [(10,)], lambda L, a: (a.clamp(-0.5, 0.3) * a).sum()),
    ("maximum-minimum", [(3, 4), (4,)],
     lambda L, a, b: (L.maximum(a, b) * L.minimum(a, b * 2)).sum()),
    ("where", [(3, 4), (3, 4)], lambda L, a, b: L.where(a > b, a * b, a - b).sum()),
    ("trig", [(6,)], lambda L, a: (a.sin() * a.cos() + a.exp().tanh()).sum()),
    ("indexing", [(4, 5)],
     lambda L, a: (a[1:, ::2] ** 2).sum() + a[[0, 0, 3], [1, 1, 4]].sum() + a[-1, None].sum()),
    ("bool-mask", [(12,)], lambda L, a: (a[a > 0] ** 3).sum()),
    ("reshape-permute", [(2, 3, 4)],
     lambda L, a: (a.reshape(6, 4).T @ a.permute(2, 0, 1).reshape(4, 6).T).sum()),
    ("transpose-flatten", [(2, 3, 4)],
     lambda L, a: (a.transpose(0, 2).flatten(1) * a.flatten()[:12].reshape(4, 3)[:, :1]).sum()),
    ("squeeze-unsqueeze-expand", [(3, 1)],
     lambda L, a: (a.squeeze(1).unsqueeze(0).expand(2, 3) * a.unsqueeze(0).squeeze(2)).sum()),
    ("cat-stack", [(2, 3), (1, 3)],
     lambda L, a, b: (L.cat([a, b, a * b], 0) ** 2).sum() + L.stack([a[0], b[0]], 1).sum()),
    ("split", [(5, 2)],
     lambda L, a: sum((p * (i + 1)).sum() for i, p in enumerate(a.split(2, 0)))),
    ("pad", [(2, 3)], lambda L, a: (L.pad(a, ((1, 0), (2, 1))) ** 2).exp().sum()),
    ("batched-matmul", [(2, 1, 3, 4), (3, 4, 2)], lambda L, a, b: ((a @ b) ** 2).sum()),
    ("vector-matmul", [(3,), (3, 4), (4,)], lambda L, a, m, b: (a @ m) @ b + a @ a),
    ("mean-keepdims", [(3, 4)],
     lambda L, a: (a / a.sum(1, keepdims=True).abs() - a.mean((0, 1), keepdims=True)).sum()),
    ("negative-axes", [(2, 3, 4)], lambda L, a: a.sum(-1).mean(-2).sum() + a.var((-1, 0)).sum()),
    ("reused", [(3,)], lambda L, a: (a * a * a + a.exp() * a - a / (a * a + 1)).sum()),
    ("deep-chain", [(4,)], lambda L, a: _chain(a).sum()),
]


def _amax(L, a, axis):
    return a.max(axis) if L is TB else a.amax(axis)


def _amin(L, a, axis):
    return a.min(axis) if L is TB else a.amin(axis)


def _chain(a):
    for i in range(30):
        a = (a * 0.9 + 0.1).tanh() if i % 2 else a.sigmoid() * 2 - 0.5
    return a


def _inputs(name, shapes, seed):
    rng = np.random.default_rng(seed)
    low, high = (0.5, 2.0) if name.startswith("pos") else (-1.0, 1.0)
    return [rng.uniform(low, high, size=s) for s in shapes]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name,shapes,expr", EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_values_and_gradients_match_pytorch(name, shapes, expr, seed):
    arrays = _inputs(name, shapes, seed)
    ours = [tb.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = expr(TB, *ours), expr(TH, *theirs)
    assert out.dtype == np.float64 and out.shape == tuple(ref.shape)
    assert_close(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.backward()
    ref.backward()
    for i, (t, r) in enumerate(zip(ours, theirs, strict=True)):
        assert_close(t.grad, r.grad.numpy(), rtol=1e-10, atol=1e-12, msg=f"{name} input {i}: ")


def test_second_derivatives_match_pytorch():
    data = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    x, xt = tb.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)

    def f(L, a):
        return (a.tanh() * a.exp() + a ** 3).sum(1).logsumexp(0) if L is TB else \
            torch.logsumexp((a.tanh() * a.exp() + a ** 3).sum(1), 0)

    (g,) = tb.grad(f(TB, x), x, create_graph=True)
    (gt,) = torch.autograd.grad(f(TH, xt), xt, create_graph=True)
    assert_close(g.detach(), gt.detach().numpy(), rtol=1e-10)
    (gg,) = tb.grad((g * g).sum(), x)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), xt)
    assert_close(gg, ggt.numpy(), rtol=1e-9, atol=1e-12)


def test_ties_in_max_and_maximum_match_pytorch():
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]])
    x, xt = tb.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    (x.max(1).sum() + tb.maximum(x, 2.0).sum()).backward()
    (xt.amax(1).sum() + torch.maximum(xt, torch.tensor(2.0, dtype=torch.float64)).sum()).backward()
    assert_close(x.grad, xt.grad.numpy())
