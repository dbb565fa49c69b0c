"""Every dim-taking op of the API over 0-d, empty and ordinary shapes, negative dims and
keepdim, against PyTorch: same shape, dtype, values and gradient, or an error where
PyTorch raises one."""
import numpy as np
import pytest

import tinygrad_book as tb

torch = pytest.importorskip("torch")

SHAPES = [(), (0, 3), (3, 0), (2, 3), (2, 1, 3)]
DIMS = [0, -1]

# (name, fn(L, x, dim)); keepdim variants are separate entries
OPS = [
    ("sum", lambda L, x, d: x.sum(dim=d, keepdim=True)),
    ("mean", lambda L, x, d: x.mean(dim=d)),
    ("prod", lambda L, x, d: x.prod(dim=d, keepdim=True)),
    ("amax", lambda L, x, d: x.amax(dim=d)),
    ("amin", lambda L, x, d: x.amin(dim=d, keepdim=True)),
    ("max-dim", lambda L, x, d: L.max(x, d)),
    ("logsumexp", lambda L, x, d: x.logsumexp(dim=d, keepdim=True)),
    ("var", lambda L, x, d: x.var(dim=d, correction=0)),
    ("nansum", lambda L, x, d: L.nansum(x, dim=d)),
    ("norm", lambda L, x, d: x.norm(dim=d, keepdim=True)),
    ("norm-1", lambda L, x, d: x.norm(p=1, dim=d)),
    ("any", lambda L, x, d: (x > 0).any(dim=d)),
    ("all", lambda L, x, d: (x > 0).all(dim=d, keepdim=True)),
    ("count_nonzero", lambda L, x, d: L.count_nonzero(x, dim=d)),
    ("argmax", lambda L, x, d: x.argmax(dim=d, keepdim=True)),
    ("cumsum", lambda L, x, d: x.cumsum(d)),
    ("cumprod", lambda L, x, d: x.cumprod(d)),
    ("logcumsumexp", lambda L, x, d: x.logcumsumexp(d)),
    ("cummax", lambda L, x, d: x.cummax(d)),
    ("sort", lambda L, x, d: x.sort(dim=d, descending=True)),
    ("argsort", lambda L, x, d: x.argsort(dim=d)),
    ("median", lambda L, x, d: x.median(dim=d, keepdim=True)),
    ("kthvalue", lambda L, x, d: x.kthvalue(1, dim=d)),
    ("topk", lambda L, x, d: x.topk(0, dim=d)),
    ("flip", lambda L, x, d: x.flip(d)),
    ("roll", lambda L, x, d: x.roll(1, d)),
    ("narrow", lambda L, x, d: x.narrow(d, 0, 0)),
    ("unsqueeze", lambda L, x, d: x.unsqueeze(d)),
    ("squeeze", lambda L, x, d: x.squeeze(d)),
    ("softmax-like", lambda L, x, d: x - x.logsumexp(d, keepdim=True)),
    ("index_select", lambda L, x, d: x.index_select(d, L.tensor([], dtype=L.int64))),
    ("repeat_interleave", lambda L, x, d: x.repeat_interleave(2, dim=d)),
    ("diff", lambda L, x, d: L.diff(x, dim=d)),
    ("movedim", lambda L, x, d: x.movedim(d, 0)),
    ("chunk", lambda L, x, d: x.chunk(2, dim=d)[0]),
]


def _flat(out):
    return tuple(t for o in out for t in _flat(o)) if isinstance(out, tuple) else (out,)


# Both libraries warn for a variance of fewer than 2 elements and the like.
@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("name,fn", OPS, ids=[o[0] for o in OPS])
def test_dim_ops_on_edge_shapes_match_pytorch(name, fn, dim, shape):
    data = np.random.default_rng(0).uniform(0.5, 2.0, size=shape)
    x, r = tb.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    try:
        ref = fn(torch, r, dim)
    except (IndexError, RuntimeError, ValueError):
        with pytest.raises((IndexError, ValueError, RuntimeError)):
            fn(tb, x, dim)
        return
    out = fn(tb, x, dim)
    ours, theirs = _flat(out), _flat(ref)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == tuple(b.shape), (name, a.shape, tuple(b.shape))
        assert str(a.dtype) == str(b.dtype).replace("torch.", "")
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-12)
    o, t = ours[0], theirs[0]
    if t.requires_grad and o.requires_grad:
        w = np.random.default_rng(1).uniform(size=o.shape)
        (o * tb.tensor(w)).sum().backward()
        (t * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy(), rtol=1e-6, atol=1e-12)
