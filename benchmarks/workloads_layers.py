"""Single layers on the book's shapes: conv2d (with its GEMM rate), 2×2 max pooling, BatchNorm2d.

Each is timed forward alone (under ``no_grad``) and forward + backward (from
a fixed output gradient; the gradients are dropped before every call so that
accumulation is not timed).
"""
import numpy as np

from .gemm import conv_products
from .workload import Target, Workload

# key -> (label, (C, H, W), out_channels, kernel, padding, input needs a gradient).
# The 1-channel layer is the first of SimpleConvNet: nothing asks for its input's gradient.
CONVS = {
    "1to30_5x5_28": ("conv2d 1→30 5×5, 28×28", (1, 28, 28), 30, 5, 0, False),
    "16to16_3x3_28": ("conv2d 16→16 3×3 pad 1, 28×28", (16, 28, 28), 16, 3, 1, True),
    "32to64_3x3_14": ("conv2d 32→64 3×3 pad 1, 14×14", (32, 14, 14), 64, 3, 1, True),
}


def _conv_arrays(key, settings):
    _, (c, h, w), oc, k, pad, _ = CONVS[key]
    rng = np.random.default_rng(1)
    n = settings.batch_size
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    x = rng.standard_normal((n, c, h, w), dtype=np.float32)
    he = np.float32(np.sqrt(2 / (c * k * k)))
    weight = rng.standard_normal((oc, c, k, k), dtype=np.float32) * he
    bias = rng.standard_normal(oc, dtype=np.float32)
    g = rng.standard_normal((n, oc, oh, ow), dtype=np.float32)
    return x, weight, bias, g, pad


def _conv_products(key, train):
    def products(settings):
        _, (c, h, w), oc, k, pad, input_grad = CONVS[key]
        out = (h + 2 * pad - k + 1, w + 2 * pad - k + 1)
        return conv_products(settings.batch_size, c, oc, (k, k), out, input_grad=input_grad,
                             train=train)

    return products


def _conv_tb(key, backward):
    def build(settings):
        import tinygrad_book as tb
        import tinygrad_book.nn.functional as F

        x, weight, bias, g, pad = _conv_arrays(key, settings)
        x = tb.Tensor(x, requires_grad=backward and CONVS[key][5])
        weight, bias = tb.Tensor(weight, requires_grad=True), tb.Tensor(bias, requires_grad=True)
        g = tb.Tensor(g)
        if not backward:
            def forward():
                with tb.no_grad():
                    F.conv2d(x, weight, bias, padding=pad)
            return forward

        def forward_backward():
            x.grad = weight.grad = bias.grad = None
            F.conv2d(x, weight, bias, padding=pad).backward(g)
        return forward_backward

    return build


def _conv_torch(key, backward):
    def build(settings, torch):
        x, weight, bias, g, pad = (torch.from_numpy(a) if isinstance(a, np.ndarray) else a
                                   for a in _conv_arrays(key, settings))
        x.requires_grad_(backward and CONVS[key][5])
        weight.requires_grad_(True)
        bias.requires_grad_(True)
        conv2d = torch.nn.functional.conv2d
        if not backward:
            def forward():
                with torch.no_grad():
                    conv2d(x, weight, bias, padding=pad)
            return {None: forward}

        def forward_backward():
            x.grad = weight.grad = bias.grad = None
            conv2d(x, weight, bias, padding=pad).backward(g)
        return {None: forward_backward}

    return build


def _conv(key, backward):
    label = CONVS[key][0]
    return Workload(
        name=f"conv2d.{key}.{'fwd_bwd' if backward else 'fwd'}",
        label=f"{label} {'fwd+bwd' if backward else 'fwd'}"
              + ("" if CONVS[key][5] or not backward else " (no dx)"),
        group="layers", build_tb=_conv_tb(key, backward), build_torch=_conv_torch(key, backward),
        products=_conv_products(key, backward),
        target=Target("gemm_fraction", ">=", 0.5) if backward else None)


# layer -> (label, input (C, H, W) after the batch axis, tinygrad_book maker, PyTorch maker)
LAYERS = {
    "max_pool2d": ("max_pool2d 2×2, 30×24×24", (30, 24, 24),
                   lambda nn: nn.MaxPool2d(2, 2), lambda tnn: tnn.MaxPool2d(2, 2)),
    "batch_norm2d": ("BatchNorm2d(16) train, 16×28×28", (16, 28, 28),
                     lambda nn: nn.BatchNorm2d(16), lambda tnn: tnn.BatchNorm2d(16)),
}


def _layer_arrays(key, settings):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((settings.batch_size,) + LAYERS[key][1], dtype=np.float32)
    return x


def _layer_tb(key, backward):
    def build(settings):
        import tinygrad_book as tb
        from tinygrad_book import nn

        layer = LAYERS[key][2](nn)
        x = tb.Tensor(_layer_arrays(key, settings), requires_grad=backward)
        with tb.no_grad():
            g = tb.Tensor(np.ones(layer(x).shape, dtype=np.float32))
        if not backward:
            def forward():
                with tb.no_grad():
                    layer(x)
            return forward

        def forward_backward():
            x.grad = None
            for p in layer.parameters():
                p.grad = None
            layer(x).backward(g)
        return forward_backward

    return build


def _layer_torch(key, backward):
    def build(settings, torch):
        layer = LAYERS[key][3](torch.nn)
        x = torch.from_numpy(_layer_arrays(key, settings)).requires_grad_(backward)
        with torch.no_grad():
            g = torch.ones_like(layer(x))
        if not backward:
            def forward():
                with torch.no_grad():
                    layer(x)
            return {None: forward}

        def forward_backward():
            x.grad = None
            for p in layer.parameters():
                p.grad = None
            layer(x).backward(g)
        return {None: forward_backward}

    return build


def _layer(key, backward):
    return Workload(
        name=f"{key}.{'fwd_bwd' if backward else 'fwd'}",
        label=f"{LAYERS[key][0]} {'fwd+bwd' if backward else 'fwd'}", group="layers",
        build_tb=_layer_tb(key, backward), build_torch=_layer_torch(key, backward))


def workloads():
    out = [_conv(key, backward) for key in CONVS for backward in (False, True)]
    out += [_layer(key, backward) for key in LAYERS for backward in (False, True)]
    return out
