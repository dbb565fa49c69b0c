"""no_grad / enable_grad / set_grad_enabled as context managers and decorators."""
import pytest

import tinygrad_book as tb


def test_no_grad_records_nothing():
    x = tb.ones(2, requires_grad=True)
    with tb.no_grad():
        assert not tb.is_grad_enabled()
        y = x * 2 + 1
    assert tb.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    assert y.tolist() == [3.0, 3.0]


def test_no_grad_as_a_decorator():
    @tb.no_grad()
    def evaluate(t):
        """Docstring survives."""
        assert not tb.is_grad_enabled()
        return t * 2

    y = evaluate(tb.ones(2, requires_grad=True))
    assert y.grad_fn is None
    assert tb.is_grad_enabled()
    assert evaluate.__doc__ == "Docstring survives." and evaluate.__name__ == "evaluate"


def test_enable_grad_inside_no_grad():
    x = tb.ones(2, requires_grad=True)
    with tb.no_grad():
        with tb.enable_grad():
            y = x * 2
        z = x * 2
    assert y.grad_fn is not None and z.grad_fn is None

    @tb.enable_grad()
    def record(t):
        return t * 3

    with tb.no_grad():
        w = record(x)
    assert w.grad_fn is not None


def test_set_grad_enabled_as_context_manager_and_call():
    x = tb.ones(1, requires_grad=True)
    with tb.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert tb.is_grad_enabled()
    tb.set_grad_enabled(False)
    try:
        assert not tb.is_grad_enabled()
        assert (x * 2).grad_fn is None
    finally:
        tb.set_grad_enabled(True)
    assert (x * 2).grad_fn is not None


def test_set_grad_enabled_as_a_decorator():
    @tb.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert tb.is_grad_enabled()  # decorating does not switch the mode
    x = tb.ones(1, requires_grad=True)
    assert f(x).grad_fn is None
    assert tb.is_grad_enabled()


def test_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tb.no_grad():
            1 / 0  # noqa: B018 (the error raised inside the block is the point)
    assert tb.is_grad_enabled()

    @tb.no_grad()
    def boom():
        raise KeyError("x")

    with pytest.raises(KeyError):
        boom()
    assert tb.is_grad_enabled()


def test_nested_no_grad_restores_the_outer_mode():
    with tb.no_grad():
        with tb.no_grad():
            pass
        assert not tb.is_grad_enabled()
    assert tb.is_grad_enabled()


def test_backward_of_a_no_grad_result_is_refused():
    x = tb.ones(2, requires_grad=True)
    with tb.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=r"backward\(\): this tensor does not require grad "
                                           r"and has no grad_fn"):
        y.backward()


def test_backward_itself_records_nothing_without_create_graph():
    x = tb.ones(2, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
