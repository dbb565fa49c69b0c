"""PyTorch twins of tinygrad_book models, layer for layer and with the same weights.

The book's networks apply their children in the order they were registered,
so a ``torch.nn.Sequential`` of the same children under the same names is the
same network, and its state dict has the same keys as the tinygrad_book one.
"""
from collections import OrderedDict

import numpy as np


def _twin(module, torch):
    from tinygrad_book import nn

    tnn = torch.nn
    if isinstance(module, nn.Conv2d):
        return tnn.Conv2d(module.in_channels, module.out_channels, module.kernel_size,
                          stride=module.stride, padding=module.padding,
                          dilation=module.dilation, groups=module.groups,
                          bias=module.bias is not None)
    if isinstance(module, nn.Linear):
        return tnn.Linear(module.in_features, module.out_features, bias=module.bias is not None)
    if isinstance(module, nn.MaxPool2d):
        return tnn.MaxPool2d(module.kernel_size, module.stride, module.padding, module.dilation)
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        cls = tnn.BatchNorm1d if isinstance(module, nn.BatchNorm1d) else tnn.BatchNorm2d
        return cls(module.num_features, eps=module.eps, momentum=module.momentum,
                   affine=module.affine, track_running_stats=module.track_running_stats)
    if isinstance(module, nn.Dropout):
        return tnn.Dropout(module.p)
    if isinstance(module, nn.Flatten):
        return tnn.Flatten(module.start_dim, module.end_dim)
    for name in ("ReLU", "Sigmoid", "Tanh"):
        if isinstance(module, getattr(nn, name)):
            return getattr(tnn, name)()
    raise TypeError(f"torch_twin(): no PyTorch twin for layer {type(module).__name__}")


def torch_twin(model, torch):
    """A ``torch.nn.Sequential`` computing what ``model`` computes, with copies of its weights.

    ``model`` must apply its children in registration order (the zoo's
    SimpleConvNet, DeepConvNet and MLP do).
    """
    twin = torch.nn.Sequential(OrderedDict(
        (name, _twin(child, torch)) for name, child in model.named_children()))
    state = {k: torch.from_numpy(np.array(v.data, copy=True))
             for k, v in model.state_dict().items()}
    twin.load_state_dict(state)
    twin.train(model.training)
    return twin
