"""Module machinery: registration, traversal order, modes, hooks, dtype, repr, graph tags."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("count", tb.zeros(1))
        self.register_buffer("scratch", tb.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.layers = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 2)])
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(2, 2))

    def forward(self, x):
        x = self.block(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(x).flatten()


def graph_nodes(t):
    seen, stack, nodes = set(), [t.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "next"):
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(edge[0] for edge in node.next if edge is not None)
    return nodes


def test_parameters_in_registration_order_with_dotted_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "layers.0.weight",
                     "layers.0.bias", "layers.1.weight", "layers.1.bias", "head.1.weight",
                     "head.1.bias"]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.block.scale"
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]


def test_shared_parameters_and_modules_are_yielded_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 4
    # A state dict names tied tensors under each name, as PyTorch's does.
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_buffers_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "layers", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.fc", "layers", "layers.0", "layers.1", "head", "head.0", "head.1"]
    assert list(net.modules())[0] is net
    assert list(net.children())[1] is net.layers
    # Non-persistent buffers are not saved.
    assert "block.scratch" not in net.state_dict() and "block.count" in net.state_dict()


def test_setattr_reassignment_moves_between_registries():
    m = Block()
    m.fc = None
    assert "fc" in m._modules and m.fc is None
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        m.scale = tb.ones(3)
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'count'"):
        m.count = 3
    m.count = tb.ones(1)  # a Tensor replaces the buffer
    assert m._buffers["count"].data[0] == 1
    m.plain = 5
    assert m.plain == 5 and "plain" not in m._parameters
    m.plain = nn.Parameter(np.zeros(1, np.float32))  # attribute becomes a parameter
    assert "plain" in m._parameters and "plain" not in m.__dict__
    del m.plain
    assert "plain" not in m._parameters
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'nope'"):
        m.nope  # noqa: B018 (reading the attribute is what raises)


def test_registration_errors_name_the_problem():
    m = nn.Module()
    with pytest.raises(ValueError, match='can\'t contain ".", got: \'a.b\''):
        m.register_buffer("a.b", tb.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'ndarray' object to buffer 'x'"):
        m.register_buffer("x", np.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'Tensor' object to parameter 'w'"):
        m.register_parameter("w", tb.zeros(1))
    with pytest.raises(ValueError, match="attribute 'training' already exists"):
        m.register_buffer("training", tb.zeros(1))
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("child", 3)

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1, np.float32))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgot()
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(tb.zeros(1))


def test_train_eval_apply_and_requires_grad():
    net = Net()
    assert net.training and net.head[0].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("no")
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Net" and visited[0] == "Linear"  # children first
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad_none_or_zeros():
    lin = nn.Linear(3, 2)
    lin(tb.randn(4, 3)).sum().backward()
    grad = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is grad and not grad.data.any()
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_to_double_converts_float_params_and_buffers_only():
    bn = nn.BatchNorm1d(3)
    lin = nn.Linear(3, 3)
    lin(tb.randn(2, 3)).sum().backward()
    model = nn.Sequential(lin, bn)
    weight = lin.weight
    assert model.double() is model
    assert lin.weight is weight and weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert bn.running_mean.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64
    model.to("float32")
    assert weight.dtype == np.float32
    with pytest.raises(TypeError, match="only accepts floating point dtypes.*int64"):
        model.to(np.int64)
    with pytest.raises(ValueError, match="only the 'cpu' device"):
        model.to("cuda")
    assert model.to("cpu") is model


def test_forward_hooks_see_and_replace_outputs():
    lin = nn.Linear(2, 2)
    seen = []
    handle = lin.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = lin(tb.ones(5, 2))
    assert seen == [(5, 2)]
    np.testing.assert_allclose(out.data, np.broadcast_to(lin.bias.data, (5, 2)))
    handle.remove()
    pre.remove()
    lin(tb.ones(1, 2))
    assert seen == [(5, 2)]


def test_repr_matches_pytorch_layout():
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(),
                          nn.Sequential(nn.Linear(100, 10, bias=False)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=100, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=100, out_features=10, bias=False)\n"
        "  )\n"
        ")")
    p = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_parameter_shares_data_and_survives_deepcopy():
    arr = np.zeros(3, dtype=np.float32)
    p = nn.Parameter(arr)
    assert p.data is arr and p.is_leaf and p.requires_grad
    assert nn.Parameter(tb.ones(2)).data.dtype == np.float32
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(np.zeros(2, dtype=np.int64))
    net = Net()
    clone = copy.deepcopy(net)
    for (n1, a), (n2, b) in zip(net.named_parameters(), clone.named_parameters(), strict=True):
        assert n1 == n2 and a is not b and isinstance(b, nn.Parameter)
        np.testing.assert_array_equal(a.data, b.data)


def test_ops_are_tagged_with_dotted_module_paths():
    net = Net()
    out = net(tb.randn(2, 3)).sum()
    paths = {node.module_path for node in graph_nodes(out)}
    assert {"block", "block.fc", "layers.0", "layers.1", "head.0", "head.1"} <= paths
    assert "" in paths        # the root's own flatten
    assert None in paths      # the sum, made outside any module
    # Standalone modules are tagged with their class name.
    lone = nn.Linear(3, 1)
    assert lone(tb.randn(2, 3)).grad_fn.module_path == "Linear"


def test_paths_follow_tree_changes():
    seq = nn.Sequential(nn.Linear(2, 2))
    assert seq(tb.randn(1, 2)).grad_fn.module_path == "0"
    seq.append(nn.Linear(2, 2))
    seq.insert(0, nn.Linear(2, 2))
    assert seq(tb.randn(1, 2)).grad_fn.module_path == "2"
    inner = seq[1]
    outer = nn.Sequential(nn.ReLU(), seq)
    assert outer(tb.randn(1, 2)).grad_fn.module_path == "1.2"
    # The inner module called on its own uses its own (class) name again.
    assert inner(tb.randn(1, 2)).grad_fn.module_path == "Linear"
    assert outer(tb.randn(1, 2)).grad_fn.module_path == "1.2"


def test_sequential_indexing_slicing_and_editing():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    assert list(seq[1:]._modules) == ["1", "2"]          # slices keep PyTorch's names
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[1] is c   # renumbered, as PyTorch
    with pytest.raises(IndexError, match="index 5 is out of range for a Sequential of length 2"):
        seq[5]
    with pytest.raises(TypeError, match="Sequential: argument 1 is a int, not a Module"):
        nn.Sequential(a, 3)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    assert named(tb.randn(1, 2)).shape == (1, 2)


def test_sequential_insert_with_a_negative_index_counts_from_the_end_as_pytorch():
    a, b, c, d = nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity()
    seq = nn.Sequential(a, b, c).insert(-1, d)
    assert list(seq) == [a, b, d, c] and list(seq._modules) == ["0", "1", "2", "3"]
    e = nn.Identity()
    assert list(nn.Sequential(a, b, c).insert(-3, e)) == [e, a, b, c]
    with pytest.raises(IndexError, match="index -4 is out of range for a Sequential of length 3"):
        nn.Sequential(a, b, c).insert(-4, e)


def test_module_list_registers_and_edits():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6
    layers.append(nn.Linear(2, 1))
    layers.insert(0, nn.ReLU())
    layers += [nn.Tanh()]
    assert [type(m).__name__ for m in layers] == ["ReLU", "Linear", "Linear", "Linear",
                                                  "Linear", "Tanh"]
    del layers[0]
    assert list(layers._modules) == [str(i) for i in range(5)]
    assert isinstance(layers[-1], nn.Tanh) and len(layers[1:3]) == 2
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        layers.extend(nn.ReLU())
    with pytest.raises(TypeError, match="ModuleList.insert: int is not a Module"):
        layers.insert(0, 3)
    assert len(layers) == 5 and isinstance(layers[-1], nn.Tanh)   # left as it was
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        layers(tb.zeros(1))
    with pytest.raises(TypeError, match="ModuleList indices must be integers or slices, not str"):
        layers["a"]
