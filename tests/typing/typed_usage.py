"""A user's typed code, type-checked by mypy (pyproject.toml [tool.mypy] `modules`): it proves
the annotations from the caller's side - a model, a training step, a gradcheck. It is not a
pytest module (only mypy reads it), but it runs: `python tests/typing/typed_usage.py`.
"""
import numpy as np

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim


class Net(nn.Module):
    def __init__(self, hidden: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 6 * 6, hidden)
        self.out = nn.Linear(hidden, 3)

    def forward(self, x: tb.Tensor) -> tb.Tensor:
        h: tb.Tensor = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.out(F.relu(self.fc(h.reshape(h.shape[0], -1))))


def train_step(model: nn.Module, opt: optim.Optimizer, x: tb.Tensor, t: tb.Tensor) -> float:
    opt.zero_grad()
    loss: tb.Tensor = F.cross_entropy(model(x), t)
    loss.backward()
    opt.step()
    return loss.item()


def main() -> None:
    tb.manual_seed(0)
    model = Net()
    opt = optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    x = tb.randn(5, 1, 12, 12)
    t = tb.tensor(np.array([0, 1, 2, 0, 1]))
    first = train_step(model, opt, x, t)
    y: tb.Tensor = (x.exp() + 1).log().sum(dim=1, keepdim=True)
    assert y.shape == (5, 1, 12, 12) and first > 0
    a = tb.randn(3, 4, dtype=tb.float64, requires_grad=True)
    ok: bool = tb.gradcheck(lambda v: (v * v).tanh().sum(), (a,))
    assert ok


if __name__ == "__main__":
    main()
