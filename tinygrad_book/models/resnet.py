"""ResNet-18 (He et al., 2015) sized for 28×28 and 32×32 images — the book's chapter 8.1.

Chapter 8 of the book ("Deep Learning") explains why deeper nets train at all:
small 3×3 filters stacked deep (VGG, section 8.2.1) and ResNet's *skip
connections* (section 8.2.3), which add a block's input to its output,
y = F(x) + x, so the gradient flows through the identity unchanged however
deep the stack. :class:`BasicBlock` is the book's figure 8-12: two 3×3
conv–BatchNorm pairs with the input added back before the last ReLU (a 1×1
convolution when the shape changes).

The layout and ``state_dict`` keys follow torchvision's ``resnet18``
(``conv1``, ``bn1``, ``layer1.0.conv1``, ..., ``layer2.0.downsample.0``,
``fc``), with the usual small-image stem: one 3×3 stride-1 convolution and
no max pool, so a 28×28 digit keeps 28×28 feature maps in ``layer1``.
"""
from .. import nn


class BasicBlock(nn.Module):
    """conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut, then ReLU (book fig. 8-12).

    The shortcut is the identity, or a 1×1 strided convolution + BN
    (``downsample``) when ``stride`` > 1 or the channel count changes.
    Shapes: (N, in_planes, H, W) → (N, planes, H/stride, W/stride).
    """

    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample: nn.Sequential | None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))
        else:
            self.downsample = None

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class ResNet18(nn.Module):
    """ResNet-18: a 3×3 stem, four stages of two :class:`BasicBlock` each (widths w, 2w,
    4w, 8w; the last three halve the resolution), global average pooling, a Linear.

    Args:
        in_channels: image channels (1 for MNIST, 3 for CIFAR-10).
        num_classes: output scores (10).
        width: channels of the first stage (64 as in the paper; smaller
            widths keep the depth and the skip connections but train fast on NumPy).
    Shapes: input (N, in_channels, H, W) with H, W >= 8 (28×28 and 32×32 are the
    intended sizes); output (N, num_classes) scores.

    Initialisation as torchvision: He-normal (fan_out) convolutions,
    BatchNorm γ = 1 and β = 0.
    """

    def __init__(self, in_channels=1, num_classes=10, width=64):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        planes = width
        for i, stride in enumerate((1, 2, 2, 2)):
            out = width * 2 ** i
            stage = nn.Sequential(BasicBlock(planes, out, stride), BasicBlock(out, out))
            setattr(self, f"layer{i + 1}", stage)
            planes = out
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(planes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


class VGG(nn.Module):
    """A configurable small VGG (book section 8.2.1 and DeepConvNet's figure 8-1).

    ``cfg`` lists the feature extractor: an int is a 3×3 convolution (padding 1)
    with that many filters followed by ReLU (and BatchNorm before it with
    ``batch_norm``), ``"M"`` a 2×2 max pool. The classifier is Linear →
    ReLU → Dropout → Linear, as in VGG's head. Submodules ``features`` and
    ``classifier`` (Sequentials) give torchvision-like keys.

    Shapes: input (N, in_channels, input_size, input_size), output (N, num_classes).
    The default is the book's chapter 8 layout: pairs of 3×3 convs, 16/32/64 filters.
    """

    def __init__(self, cfg=(16, 16, "M", 32, 32, "M", 64, 64, "M"), in_channels=1,
                 num_classes=10, input_size=28, hidden=256, batch_norm=False, dropout=0.5):
        super().__init__()
        layers: list[nn.Module] = []
        c, size = in_channels, input_size
        for item in cfg:
            if item == "M":
                layers.append(nn.MaxPool2d(2))
                size //= 2
                continue
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise ValueError(f"VGG: cfg entries must be positive ints or 'M', got {item!r}")
            layers.append(nn.Conv2d(c, item, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(item))
            layers.append(nn.ReLU())
            c = item
        if size < 1:
            raise ValueError(f"VGG: input_size {input_size} is too small for {cfg.count('M')} "
                             "2x2 pools")
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c * size * size, hidden),
                                        nn.ReLU(), nn.Dropout(dropout),
                                        nn.Linear(hidden, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.features(x))
