"""Version counters: an in-place change of a tensor that backward still needs raises,
as in PyTorch; legitimate in-place changes keep working."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn, optim

MODIFIED = r"modified by an inplace operation"


def test_the_issues_first_case_mul_under_no_grad_raises_in_pytorchs_words():
    w = tb.tensor([2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    with tb.no_grad():
        w.mul_(10)
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        y.backward()
    text = str(info.value)
    for part in ("float32", "shape (2,)", "MulBackward", "is at version 1",
                 "expected version 0", "retain_graph=True", "in place"):
        assert part in text, part
    assert w.grad is None  # nothing was accumulated


def test_a_change_through_detach_is_seen_by_the_node_that_saved_the_original():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    e = x.exp()
    y = (e * x).sum()          # Mul saved e
    e.detach().mul_(0)         # shares e's memory and version counter
    assert e._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_an_optimizer_step_between_two_backward_passes_of_a_retained_graph_raises():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = model(tb.randn(4, 3)).pow(2).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*version 1"):
        loss.backward()


@pytest.mark.parametrize("change", [
    lambda t: t.add_(1), lambda t: t.zero_(), lambda t: t.fill_(2.0),
    lambda t: t.copy_(np.ones(3, np.float32)), lambda t: t.clamp_(0, 1),
    lambda t: t.__setitem__(0, 5.0), lambda t: t.__iadd__(1.0), lambda t: t.__imul__(2.0),
    lambda t: nn.init.zeros_(t), lambda t: nn.init.normal_(t),
])
def test_every_kind_of_in_place_change_bumps_the_version(change):
    w = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w + 2).sum()          # Add saves nothing: y stays valid
    z = (w * w).sum()          # Mul saved w
    with tb.no_grad():
        result = change(w)
    assert w._version == 1 and (result is None or result is w)
    y.backward()               # nothing saved w: fine
    with pytest.raises(RuntimeError, match=MODIFIED):
        z.backward()


def test_views_share_the_counter_and_data_writes_are_not_tracked():
    x = tb.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x * x).sum()
    with tb.no_grad():
        x.reshape(4)[0] = 9.0  # a view: the change is x's
    assert x._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()
    y2 = (x * x).sum()
    x.data[0, 0] = 1.0         # .data: behind autograd's back, as in PyTorch
    assert x._version == 1
    y2.backward()
    assert x.grad.tolist() == [[2.0, 4.0], [6.0, 8.0]]


def test_an_in_place_change_of_a_saved_output_is_caught():
    x = tb.tensor([0.5, 1.0], requires_grad=True)
    t = x.tanh()               # Tanh saved its output
    y = t.sum()
    with tb.no_grad():
        t.mul_(2)
    with pytest.raises(RuntimeError, match=r"TanhBackward"):
        y.backward()


def test_legitimate_in_place_ops_still_work():
    x = tb.tensor([1.0, 2.0], requires_grad=True)
    buf = tb.zeros(2)
    buf += 3.0                 # a tensor nothing saved, changed in place
    buf.mul_(2)
    assert buf.tolist() == [6.0, 6.0] and buf._version == 2
    y = (x * buf).sum()        # buf saved now, at version 2
    y.backward()
    assert x.grad.tolist() == [6.0, 6.0]
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.parameters())
    for _ in range(3):         # the usual loop: step after backward
        opt.zero_grad()
        model(tb.randn(5, 2)).sum().backward()
        opt.step()
    x2 = tb.tensor([1.0], requires_grad=True)
    acc = x2 * 1
    acc += x2                  # requires grad: recorded out of place, as a new node
    acc.backward()
    assert x2.grad.tolist() == [2.0]


def test_a_refused_in_place_change_leaves_the_version_alone():
    t = tb.zeros(3)
    with pytest.raises(ValueError):
        t.add_(np.ones(4))
    assert t._version == 0


def test_a_change_elsewhere_after_the_save_still_lets_the_saved_versions_be_checked():
    # Backward compares saved versions only when some tensor changed in place since
    # the save; an unrelated change must neither raise nor hide a real one.
    w = tb.tensor([2., 3.], requires_grad=True)
    x = tb.tensor([1., 1.], requires_grad=True)
    unrelated = tb.tensor([0., 0.])
    y = (w * x).sum()
    unrelated.add_(1)
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(w.grad.data, [1., 1.])
    with tb.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="MulBackward, is at version 1; expected version 0"):
        y.backward()


def test_a_saved_input_made_by_another_op_is_checked_too():
    w = tb.tensor([2., 3.], requires_grad=True)
    h = w * 1.5
    y = (h * h).sum()
    with tb.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_a_weight_changed_before_the_save_is_checked_against_its_version_at_the_save():
    # After an optimizer step a weight's counter is above 0 when the next forward saves
    # it: backward must compare against that version, not 0, both ways.
    w = tb.tensor([2.0, 3.0], requires_grad=True)
    x = tb.tensor([1.0, 1.0], requires_grad=True) * 1.0
    with tb.no_grad():
        w.mul_(1.0)  # version 1
    (x * w).sum().backward()  # unchanged since the save: no error
    assert w._version == 1
    y = (x.detach().requires_grad_() * w).sum()
    with tb.no_grad():
        w.add_(1.0)  # version 2, after the save
    with pytest.raises(RuntimeError, match="is at version 2; expected version 1"):
        y.backward()
