"""Two historic CNNs the book's chapter 8.2 describes, sized for small images."""
from .. import checks, nn
from ..checks import conv_output_size
from . import _common


class LeNet5(nn.Module):
    """LeCun et al. (1998): two 5×5 convs with subsampling, then three fully connected layers.

        conv1 (C → 6, 5×5, padding 2) → act → pool1 → conv2 (6 → 16, 5×5) → act
        → pool2 → flatten → fc1 (16·5·5 → 120) → act → fc2 (120 → 84) → act
        → fc3 (84 → classes)

    The padding of 2 lets a 28×28 MNIST digit stand in for the original 32×32
    input, as commonly done. ``activation='sigmoid'`` with ``pooling='avg'``
    is the original's flavour; 'relu' with 'max' (the default) trains faster.
    Shapes: input ``(N, C, S, S)`` (S = ``input_size``), output ``(N, num_classes)``.
    """

    def __init__(self, in_channels=1, num_classes=10, activation="relu", pooling="max",
                 input_size=28):
        super().__init__()
        checks.integer(in_channels, "in_channels", "LeNet5", minimum=1)
        checks.integer(num_classes, "num_classes", "LeNet5", minimum=1)
        checks.integer(input_size, "input_size", "LeNet5", minimum=1)
        if pooling not in ("max", "avg"):
            raise ValueError(f"LeNet5: pooling must be 'max' or 'avg', got {pooling!r}")
        pool = nn.MaxPool2d if pooling == "max" else nn.AvgPool2d
        side = (conv_output_size(input_size, 5, 1, 2) // 2 - 4) // 2
        if side < 1:
            raise ValueError(f"LeNet5: input_size {input_size} is too small (needs >= 12)")
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=2)
        self.act1 = _common.activation(activation, "LeNet5")
        self.pool1 = pool(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.act2 = _common.activation(activation, "LeNet5")
        self.pool2 = pool(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.act3 = _common.activation(activation, "LeNet5")
        self.fc2 = nn.Linear(120, 84)
        self.act4 = _common.activation(activation, "LeNet5")
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class AlexNet(nn.Module):
    """Krizhevsky et al. (2012), scaled down for 28×28 or 32×32 images.

    AlexNet's ingredients — five convs with ReLU, local response normalisation
    after the first two, max pooling, dropout before the two hidden fully
    connected layers — with widths cut to run on a CPU and 2×2 pools (the
    original overlaps 3×3 windows with stride 2)::

        features:   conv 5×5 (C → 32, pad 2) → ReLU → LRN → pool 2
                    conv 5×5 (32 → 64, pad 2) → ReLU → LRN → pool 2
                    conv 3×3 (64 → 96) → ReLU → conv 3×3 (96 → 96) → ReLU
                    conv 3×3 (96 → 64) → ReLU → pool 2
        classifier: dropout → fc (64·s·s → 256) → ReLU → dropout → fc (256 → 256)
                    → ReLU → fc (256 → classes)

    with s = 3 for 28×28 input and 4 for 32×32. LRN uses AlexNet's size 5,
    alpha 1e-4, beta 0.75, k 2. Weights start with He initialisation (std
    sqrt(2 / fan_in), the book's choice for ReLU, chapter 6.2.3) and biases at
    zero: from PyTorch's default init this deep, narrow stack sits on a long
    plateau first. Shapes: input ``(N, C, S, S)``, output ``(N, num_classes)``.
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28, dropout=0.5):
        super().__init__()
        checks.integer(in_channels, "in_channels", "AlexNet", minimum=1)
        checks.integer(num_classes, "num_classes", "AlexNet", minimum=1)
        checks.integer(input_size, "input_size", "AlexNet", minimum=1)
        side = input_size // 2 // 2 // 2
        if side < 1:
            raise ValueError(f"AlexNet: input_size {input_size} is too small (needs >= 8)")
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 5, padding=2), nn.ReLU(),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0), nn.MaxPool2d(2),
            nn.Conv2d(64, 96, 3, padding=1), nn.ReLU(),
            nn.Conv2d(96, 96, 3, padding=1), nn.ReLU(),
            nn.Conv2d(96, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(64 * side * side, 256), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, num_classes),
        )
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))
