"""The book's convolutional networks: ``SimpleConvNet`` (ch. 7.5) and ``DeepConvNet`` (ch. 8.1)."""
import math

from .. import nn
from ..checks import conv_output_size
from ..grad_mode import is_grad_enabled
from ..nn.functional.chunked import ShiftedColumns
from ..tensor import Tensor
from . import _common

_CONV_PARAM = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


class SimpleConvNet(nn.Module):
    """conv → ReLU → 2×2 max pool → affine → ReLU → affine: the book's chapter 7.5 net.

    Args (the book's, with its defaults):
        input_dim: (channels, height, width) of one image, (1, 28, 28).
        conv_param: dict with 'filter_num' (30), 'filter_size' (5), 'pad' (0),
            'stride' (1); missing keys take these defaults.
        hidden_size: units of the hidden affine layer (100).
        output_size: classes (10).
        weight_init_std: 0.01 as the book (weights ``0.01 * randn``, biases 0);
            also 'relu'/'he' or 'sigmoid'/'xavier'.

    Layers ``conv1, relu1, pool1, flatten, fc1, relu2, fc2`` are the book's
    Conv1, Relu1, Pool1, Affine1, Relu2, Affine2 (params W1/b1, W2/b2, W3/b3).
    Shapes: input ``(N, C, H, W)``, output ``(N, output_size)`` scores.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100,
                 output_size=10, weight_init_std=0.01):
        super().__init__()
        c, h, w = _common.image_dim(input_dim, "SimpleConvNet")
        param = dict(_CONV_PARAM)
        unknown = set(conv_param or {}) - set(_CONV_PARAM)
        if unknown:
            raise ValueError(f"SimpleConvNet: unknown conv_param key(s) {sorted(unknown)}; "
                             f"expected {sorted(_CONV_PARAM)}")
        param.update(conv_param or {})
        fn, fs, pad, stride = (param[k] for k in ("filter_num", "filter_size", "pad", "stride"))
        oh = conv_output_size(h, fs, stride, pad)
        ow = conv_output_size(w, fs, stride, pad)
        if oh < 2 or ow < 2:
            raise ValueError(f"SimpleConvNet: input_dim {input_dim} is too small for a "
                             f"{fs}x{fs} filter with pad {pad}, stride {stride} and a 2x2 pool")
        self.input_dim = (c, h, w)
        self.conv1 = nn.Conv2d(c, fn, fs, stride=stride, padding=pad)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2, stride=2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(fn * (oh // 2) * (ow // 2), hidden_size)
        self.relu2 = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)
        for layer in (self.conv1, self.fc1, self.fc2):
            fan_in = nn.init._calculate_fan_in_and_fan_out(layer.weight)[0]
            _common.book_init_(layer, _common.book_std(weight_init_std, fan_in, "SimpleConvNet"))

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        return self.fc2(self.relu2(self.fc1(self.flatten(x))))


class DeepConvNet(nn.Module):
    """The book's chapter 8 network (about 99.4% on MNIST), layer for layer:

        conv1 16 → ReLU → conv2 16 → ReLU → pool1
        conv3 32 → ReLU → conv4 32 (padding 2) → ReLU → pool2
        conv5 64 → ReLU → conv6 64 → ReLU → pool3
        fc1 (64·4·4 = 1024 → 50) → ReLU → dropout1 (0.5)
        fc2 (50 → 10) → dropout2 (0.5)

    All convs are 3×3, stride 1, padding 1 except conv4; pools are 2×2,
    stride 2. He initialisation as the book: weights ``sqrt(2 / n) * randn``
    with n = in_channels·3·3 for a conv and the input width for an affine
    layer (its ``pre_node_nums``), biases zero. Dropout is PyTorch's inverted
    dropout (see ``nn.Dropout``); ``load_book_params`` converts weights trained
    with the book's. The last dropout acts on the scores, as the book's does.
    Shapes: input ``(N, C, H, W)`` ((1, 28, 28) for MNIST), output ``(N, output_size)``.
    """

    _CONVS = ((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1))

    def __init__(self, input_dim=(1, 28, 28), hidden_size=50, output_size=10):
        super().__init__()
        c, h, w = _common.image_dim(input_dim, "DeepConvNet")
        self.input_dim = (c, h, w)
        in_ch = c
        for i, (out_ch, pad) in enumerate(self._CONVS, start=1):
            conv = nn.Conv2d(in_ch, out_ch, 3, stride=1, padding=pad)
            _common.book_init_(conv, math.sqrt(2.0 / (in_ch * 9)))
            setattr(self, f"conv{i}", conv)
            setattr(self, f"relu{i}", nn.ReLU())
            h, w = conv_output_size(h, 3, 1, pad), conv_output_size(w, 3, 1, pad)
            if i % 2 == 0:
                setattr(self, f"pool{i // 2}", nn.MaxPool2d(2, stride=2))
                h, w = h // 2, w // 2
                if h < 1 or w < 1:
                    raise ValueError(f"DeepConvNet: input_dim {input_dim} is too small for "
                                     "three 2x2 poolings")
            in_ch = out_ch
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(in_ch * h * w, hidden_size)
        _common.book_init_(self.fc1, math.sqrt(2.0 / (in_ch * h * w)))
        self.relu7 = nn.ReLU()
        self.dropout1 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(hidden_size, output_size)
        _common.book_init_(self.fc2, math.sqrt(2.0 / hidden_size))
        self.dropout2 = nn.Dropout(0.5)

    def forward(self, x):
        if not is_grad_enabled() and self._blocks_fuse(x):
            return self._forward_fused(x)
        for module in self._modules.values():
            x = module(x)
        return x

    _HEAD = ("flatten", "fc1", "relu7", "dropout1", "fc2", "dropout2")

    def _blocks_fuse(self, x):
        """Whether :meth:`_forward_fused` gives what the layers would: an input of the
        model's size and dtype, and the layers as built (none replaced, reshaped or hooked)."""
        if not (isinstance(x, Tensor) and x.ndim == 4 and x.shape[1:] == self.input_dim):
            return False
        layers, channels = [], self.input_dim[0]
        for i in range(1, 7):
            conv, relu = getattr(self, f"conv{i}", None), getattr(self, f"relu{i}", None)
            if not (type(conv) is nn.Conv2d and type(relu) is nn.ReLU and conv.bias is not None
                    and conv.weight.dtype == x.dtype and conv.weight.shape[1:] == (channels, 3, 3)
                    and conv.bias.shape == conv.weight.shape[:1] and conv.stride == (1, 1)
                    and conv.dilation == (1, 1) and conv.groups == 1
                    and not isinstance(conv.padding, str)):
                return False
            layers += [conv, relu]
            channels = conv.weight.shape[0]
            if i % 2 == 0:
                pool = getattr(self, f"pool{i // 2}", None)
                if not (type(pool) is nn.MaxPool2d and not pool.ceil_mode
                        and not pool.return_indices and (pool.kernel_size, pool.stride,
                        pool.padding, pool.dilation) == ((2, 2), (2, 2), (0, 0), (1, 1))):
                    return False
                layers.append(pool)
        return not any(m._forward_hooks or m._forward_pre_hooks for m in layers)

    def _forward_fused(self, x):
        """The forward without a graph (no_grad): each conv's ReLU, and its 2×2 max-pool
        where one follows, applied to the products in cache while they are moved out
        (:meth:`ShiftedColumns.correlate`), straight into the next conv's padded grid —
        the same values as the layers one by one, without writing each conv's output in
        NCHW for ReLU and the pool to read back and the next conv to copy into its grid."""
        columns = ShiftedColumns(x.data, (3, 3), self.conv1.padding, (1, 1))
        for i in range(1, 6):
            conv, pool = getattr(self, f"conv{i}"), i % 2 == 0
            out_hw = (columns.oh // 2, columns.ow // 2) if pool else (columns.oh, columns.ow)
            following = ShiftedColumns.awaiting((columns.n, conv.weight.shape[0]) + out_hw,
                                                x.dtype, (3, 3),
                                                getattr(self, f"conv{i + 1}").padding, (1, 1))
            columns.correlate(conv.weight.data, conv.bias.data, relu=True, pool=pool,
                              into=following.images())
            columns = following
        data = columns.correlate(self.conv6.weight.data, self.conv6.bias.data, relu=True,
                                 pool=True)
        x = Tensor(data)
        for name in self._HEAD:
            x = getattr(self, name)(x)
        return x
