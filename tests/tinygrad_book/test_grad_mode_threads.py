"""Grad mode is per thread, as in PyTorch: threads that train their own models do
not disturb each other. Barriers and events make the overlap certain."""
import threading

import numpy as np

import tinygrad_book as tb
from tinygrad_book import nn, optim

STEPS = 200


def _model_and_data(seed):
    tb.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    t = rng.standard_normal((16, 1)).astype(np.float32)
    return model, tb.tensor(x), tb.tensor(t)


def _train(model, x, t, barrier=None, evaluate_every=0):
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(STEPS):
        if barrier is not None:
            barrier.wait()  # both threads are inside the same step
        opt.zero_grad()
        loss = ((model(x) - t) ** 2).mean()
        if evaluate_every and step % evaluate_every == 0:
            with tb.no_grad():  # an evaluation in this thread, mid-step
                model(x)
        loss.backward()
        opt.step()
    return [p.data.copy() for p in model.parameters()]


def test_two_threads_training_concurrently_end_bit_identical_to_sequential_runs():
    expected = [_train(*_model_and_data(seed), evaluate_every=seed) for seed in (1, 2)]
    pairs = [_model_and_data(seed) for seed in (1, 2)]
    barrier = threading.Barrier(2, timeout=60)
    results, errors = {}, []

    def run(i, seed):
        try:
            results[i] = _train(*pairs[i], barrier=barrier, evaluate_every=seed)
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, seed)) for i, seed in enumerate((1, 2))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for got, want in zip((results[0], results[1]), expected, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))


def test_no_grad_in_one_thread_never_changes_what_another_records():
    entered, recorded, left = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def evaluator():
        with tb.no_grad():
            entered.set()
            recorded.wait(10)       # the other thread records while we are in no_grad
            seen["inner"] = tb.is_grad_enabled()
        seen["after"] = tb.is_grad_enabled()
        left.set()

    thread = threading.Thread(target=evaluator)
    thread.start()
    entered.wait(10)
    w = tb.tensor([1.0, 2.0], requires_grad=True)
    y = (w * 3).sum()
    seen["main"] = tb.is_grad_enabled()
    recorded.set()
    left.wait(10)
    thread.join()
    assert seen == {"main": True, "inner": False, "after": True}
    assert y.grad_fn is not None
    y.backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_overlapping_blocks_in_two_threads_restore_their_own_state():
    # Thread A: enable_grad inside no_grad; thread B: no_grad. Their blocks interleave
    # A-enter, B-enter, A-exit, B-exit; each thread must end where it started.
    steps = [threading.Event() for _ in range(4)]
    states = {}

    def a():
        with tb.no_grad():
            with tb.enable_grad():
                steps[0].set()
                steps[1].wait(10)
                states["a_inner"] = tb.is_grad_enabled()
            states["a_mid"] = tb.is_grad_enabled()
        states["a_end"] = tb.is_grad_enabled()
        steps[2].set()

    def b():
        steps[0].wait(10)
        with tb.no_grad():
            steps[1].set()
            steps[2].wait(10)
            states["b_inner"] = tb.is_grad_enabled()
        states["b_end"] = tb.is_grad_enabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert states == {"a_inner": True, "a_mid": False, "a_end": True,
                      "b_inner": False, "b_end": True}


def test_a_new_thread_starts_with_grad_enabled_and_backward_switches_only_its_own():
    seen = []
    release = threading.Event()

    def observer_thread():
        seen.append(tb.is_grad_enabled())
        checked.set()
        release.wait(10)
        seen.append(tb.is_grad_enabled())

    class Probe(tb.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            checked.wait(10)  # the other thread has looked while this backward runs
            seen.append(("backward", tb.is_grad_enabled()))
            release.set()
            return g

    checked = threading.Event()
    with tb.no_grad():  # started inside no_grad: a new thread still starts with grad on
        th = threading.Thread(target=observer_thread)
        th.start()
    x = tb.tensor([1.0], requires_grad=True)
    Probe.apply(x).sum().backward()
    th.join()
    assert seen == [True, ("backward", False), True]


def test_a_thread_that_ends_with_grad_off_leaves_every_other_thread_recording():
    # Recording skips the thread-local read while no thread has grad mode off;
    # a thread that ends with it off must not make the others stop recording
    # (nor make their own no_grad blocks leak).
    def switch_off_and_end():
        tb.set_grad_enabled(False)

    th = threading.Thread(target=switch_off_and_end)
    th.start()
    th.join()
    assert tb.is_grad_enabled()
    w = tb.tensor([2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    assert w.grad.tolist() == [4.0, 6.0]
    with tb.no_grad():
        assert not tb.is_grad_enabled()
        assert (w * w).grad_fn is None and (w + 1.0).grad_fn is None
    assert (w * w).grad_fn is not None and (w + 1.0).grad_fn is not None


def test_module_scopes_open_in_another_thread_tag_only_that_threads_nodes():
    from tinygrad_book.autograd import module_scope

    inside, done = threading.Event(), threading.Event()

    def hold_a_scope():
        with module_scope("other"):
            inside.set()
            done.wait(10)

    th = threading.Thread(target=hold_a_scope)
    th.start()
    inside.wait(10)
    try:
        w = tb.tensor([1.0], requires_grad=True)
        assert (w * w).grad_fn.module_path is None
        with module_scope("mine"):
            assert (w * w).grad_fn.module_path == "mine"
    finally:
        done.set()
        th.join()
    assert (w * w).grad_fn.module_path is None
