"""The book's 2-D experiment (section 6.1.7, figure 6-8) and its optimizers' formulas.

f(x, y) = x²/20 + y² from (−7, 2), 30 updates each. The expected paths are
computed here with plain NumPy transcriptions of the book's update rules
(``common/optimizer.py``), independently of the library.
"""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import optim

START = (-7.0, 2.0)
STEPS = 30


def df(w):
    """∇f for f(x, y) = x²/20 + y²."""
    return np.array([w[0] / 10.0, 2.0 * w[1]])


def book_path(update):
    """Run ``update(w, g, t)`` (in place on w) 30 times from the start; return all 31 points."""
    w = np.array(START)
    path = [w.copy()]
    for t in range(1, STEPS + 1):
        update(w, df(w), t)
        path.append(w.copy())
    return np.array(path)


def book_sgd(lr):
    def update(w, g, t):
        w -= lr * g
    return update


def book_momentum(lr, momentum=0.9):
    v = np.zeros(2)

    def update(w, g, t):
        v[:] = momentum * v - lr * g
        w += v
    return update


def book_nesterov(lr, momentum=0.9):
    v = np.zeros(2)

    def update(w, g, t):
        v[:] *= momentum
        v[:] -= lr * g
        w += momentum * momentum * v
        w -= (1 + momentum) * lr * g
    return update


def book_adagrad(lr):
    h = np.zeros(2)

    def update(w, g, t):
        h[:] += g * g
        w -= lr * g / (np.sqrt(h) + 1e-7)
    return update


def book_rmsprop(lr, decay_rate=0.99):
    h = np.zeros(2)

    def update(w, g, t):
        h[:] *= decay_rate
        h[:] += (1 - decay_rate) * g * g
        w -= lr * g / (np.sqrt(h) + 1e-7)
    return update


def book_adam(lr, beta1=0.9, beta2=0.999):
    m, v = np.zeros(2), np.zeros(2)

    def update(w, g, t):
        lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
        m[:] += (1 - beta1) * (g - m)
        v[:] += (1 - beta2) * (g ** 2 - v)
        w -= lr_t * m / (np.sqrt(v) + 1e-7)
    return update


def library_path(make_optimizer, dtype=np.float64):
    """Run one of our optimizers on f with autograd computing the gradient."""
    w = tb.Tensor(np.array(START, dtype=dtype), requires_grad=True)
    opt = make_optimizer([w])
    path = [w.data.copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        loss = w[0] ** 2 / 20.0 + w[1] ** 2
        loss.backward()
        opt.step()
        path.append(w.data.copy())
    return np.array(path)


@pytest.mark.parametrize("name, ours, book", [
    ("SGD", lambda p: optim.SGD(p, lr=0.95), book_sgd(0.95)),
    ("Momentum", lambda p: optim.Momentum(p, lr=0.1), book_momentum(0.1)),
    ("AdaGrad", lambda p: optim.AdaGrad(p, lr=1.5), book_adagrad(1.5)),
    ("Nesterov", lambda p: optim.Nesterov(p, lr=0.1), book_nesterov(0.1)),
    ("RMSprop", lambda p: optim.RMSprop(p, lr=0.1, alpha=0.99, eps=1e-7), book_rmsprop(0.1)),
])
def test_book_optimizers_follow_the_books_paths(name, ours, book):
    expected = book_path(book)
    got = library_path(ours)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=name)


def test_figure_6_8_final_points():
    """The four panels of figure 6-8 end where the book's code ends."""
    finals = {
        "SGD": library_path(lambda p: optim.SGD(p, lr=0.95))[-1],
        "Momentum": library_path(lambda p: optim.Momentum(p, lr=0.1))[-1],
        "AdaGrad": library_path(lambda p: optim.AdaGrad(p, lr=1.5))[-1],
        "Adam": library_path(lambda p: optim.Adam(p, lr=0.3, eps=1e-7))[-1],
    }
    expected = {
        "SGD": book_path(book_sgd(0.95))[-1],
        "Momentum": book_path(book_momentum(0.1))[-1],
        "AdaGrad": book_path(book_adagrad(1.5))[-1],
        "Adam": book_path(book_adam(0.3))[-1],
    }
    for name in finals:
        # Adam differs from the book's only in where ε sits (see optim/adam.py).
        atol = 1e-5 if name == "Adam" else 1e-12
        np.testing.assert_allclose(finals[name], expected[name], rtol=0, atol=atol, err_msg=name)
    # The paths really are different: SGD zig-zags in y, AdaGrad has flattened y.
    assert abs(finals["AdaGrad"][1]) < 1e-10 < abs(finals["SGD"][1])


def test_adam_is_the_book_formula_with_epsilon_moved():
    """Adam is W ← W − η/(1−β1ᵗ) · m/(√v/√(1−β2ᵗ) + ε) exactly; the book's ε
    placement (inside lr_t) moves the path by less than 1e-5 but more than rounding."""
    lr, b1, b2, eps = 0.3, 0.9, 0.999, 1e-7
    m, v = np.zeros(2), np.zeros(2)

    def pytorch_form(w, g, t):
        m[:] = b1 * m + (1 - b1) * g
        v[:] = b2 * v + (1 - b2) * g * g
        w -= lr / (1 - b1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps)

    got = library_path(lambda p: optim.Adam(p, lr=lr, eps=eps))
    np.testing.assert_allclose(got, book_path(pytorch_form), rtol=1e-12, atol=1e-12)
    gap = np.abs(got - book_path(book_adam(lr))).max()
    assert 1e-8 < gap < 1e-5


def test_momentum_is_sgd_with_momentum_while_lr_is_fixed():
    ours = library_path(lambda p: optim.Momentum(p, lr=0.1, momentum=0.9))
    sgd = library_path(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
    np.testing.assert_allclose(ours, sgd, rtol=1e-12, atol=1e-12)


def test_sgd_nesterov_is_bengios_form_and_differs_from_the_books_code():
    """SGD(nesterov=True): W ← W + α² v_old − (1 + α) η g (Bengio et al. 2012)."""
    lr, mu = 0.1, 0.9
    v = np.zeros(2)

    def bengio(w, g, t):
        v_old = v.copy()
        v[:] = mu * v - lr * g
        w += mu * mu * v_old - (1 + mu) * lr * g

    sgd = library_path(lambda p: optim.SGD(p, lr=lr, momentum=mu, nesterov=True))
    np.testing.assert_allclose(sgd, book_path(bengio), rtol=1e-12, atol=1e-12)
    book = library_path(lambda p: optim.Nesterov(p, lr=lr, momentum=mu))
    assert np.abs(book - sgd).max() > 0.1


def test_float32_experiment_stays_float32_and_close_to_float64():
    path32 = library_path(lambda p: optim.Adam(p, lr=0.3), dtype=np.float32)
    path64 = library_path(lambda p: optim.Adam(p, lr=0.3), dtype=np.float64)
    assert path32.dtype == np.float32
    np.testing.assert_allclose(path32, path64, rtol=0, atol=1e-4)
