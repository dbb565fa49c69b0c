"""ResNet18 and VGG: shapes for 28×28 and 32×32, torchvision-style keys, a torch state dict
loading one-to-one, and ResNet18 learning a fixed batch."""
import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import Tensor, nn, optim
from tinygrad_book.models import VGG, ResNet18


@pytest.mark.parametrize("shape,in_channels", [((2, 1, 28, 28), 1), ((2, 3, 32, 32), 3)])
def test_resnet18_shapes_and_keys(shape, in_channels):
    model = ResNet18(in_channels=in_channels, num_classes=7, width=4)
    assert model(Tensor(np.zeros(shape, dtype=np.float32))).shape == (2, 7)
    keys = list(model.state_dict())
    assert keys[:2] == ["conv1.weight", "bn1.weight"]
    assert "layer2.0.downsample.0.weight" in keys and "layer1.0.downsample.0.weight" not in keys
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 + 16 + 3    # stem, 8 blocks of 2, 3 projection shortcuts


def test_resnet18_matches_a_torch_twin_loaded_from_its_state_dict():
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self, i, o, s):
            super().__init__()
            self.conv1 = tnn.Conv2d(i, o, 3, s, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(o)
            self.relu = tnn.ReLU()
            self.conv2 = tnn.Conv2d(o, o, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(o)
            self.downsample = (tnn.Sequential(tnn.Conv2d(i, o, 1, s, bias=False),
                                              tnn.BatchNorm2d(o)) if s != 1 or i != o else None)

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Twin(tnn.Module):
        def __init__(self, w):
            super().__init__()
            self.conv1, self.bn1, self.relu = tnn.Conv2d(1, w, 3, 1, 1, bias=False), \
                tnn.BatchNorm2d(w), tnn.ReLU()
            c = w
            for i, s in enumerate((1, 2, 2, 2)):
                setattr(self, f"layer{i + 1}", tnn.Sequential(Block(c, w * 2 ** i, s),
                                                              Block(w * 2 ** i, w * 2 ** i, 1)))
                c = w * 2 ** i
            self.avgpool, self.fc = tnn.AdaptiveAvgPool2d(1), tnn.Linear(c, 10)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    twin = Twin(4).double()
    ours = ResNet18(width=4).double()
    assert list(ours.state_dict()) == list(twin.state_dict())
    ours.load_state_dict(twin.state_dict())
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28))
    for train in (True, False):
        ours.train(train)
        twin.train(train)
        np.testing.assert_allclose(ours(Tensor(x)).data,
                                   twin(torch.tensor(x)).detach().numpy(), rtol=1e-7, atol=1e-9)


def test_resnet18_cuts_its_loss_5x_in_30_adam_steps_on_a_fixed_batch():
    tb.manual_seed(0)
    model = ResNet18(width=4)     # the full depth and shortcuts, narrow: fast on NumPy
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((6, 1, 28, 28)).astype(np.float32))
    t = Tensor(np.arange(6) % 10)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 5, losses


def test_vgg_config_shapes_and_keys():
    model = VGG((8, "M", 16, "M"), in_channels=3, num_classes=5, input_size=32, hidden=32,
                batch_norm=True)
    assert model(Tensor(np.zeros((2, 3, 32, 32), dtype=np.float32))).shape == (2, 5)
    keys = list(model.state_dict())
    assert keys[0] == "features.0.weight" and "features.1.running_mean" in keys
    assert keys[-1] == "classifier.4.bias"
    assert VGG()(Tensor(np.zeros((1, 1, 28, 28), dtype=np.float32))).shape == (1, 10)
    with pytest.raises(ValueError, match="cfg"):
        VGG((8, "X"))
