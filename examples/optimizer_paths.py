"""The paths of SGD, Momentum, AdaGrad and Adam on f(x, y) = x²/20 + y² (book figure 6-8).

Each optimizer starts at (-7, 2) and takes 30 steps with the book's learning
rates: SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3. The function is 20
times steeper along y than along x, so SGD zigzags across the valley while
barely moving along it; Momentum rolls like a ball and overshoots; AdaGrad
shrinks the y steps that have been large so far and heads almost straight
for the minimum; Adam combines both.

The two coordinates are two Tensors that require grad, and each step is the
ordinary training loop: ``zero_grad()``, ``f(x, y).backward()``, ``step()``.

    python examples/optimizer_paths.py --out out/
"""
import numpy as np
from _common import out_dir, parser, plt, savefig

import tinygrad_book as tb
from tinygrad_book import optim

OPTIMIZERS = {  # the book's choices: name -> (class, keyword arguments)
    "SGD": (optim.SGD, {"lr": 0.95}),
    "Momentum": (optim.Momentum, {"lr": 0.1}),
    "AdaGrad": (optim.AdaGrad, {"lr": 1.5}),
    "Adam": (optim.Adam, {"lr": 0.3}),
}


def f(x, y):
    """The book's example function (equation 6.2), on Tensors or arrays."""
    return x ** 2 / 20.0 + y ** 2


def path(optimizer_cls, kwargs, start=(-7.0, 2.0), steps=30):
    """The ``steps + 1`` points visited from ``start``, as an array ``(steps + 1, 2)``."""
    x = tb.tensor(start[0], dtype="float64", requires_grad=True)
    y = tb.tensor(start[1], dtype="float64", requires_grad=True)
    opt = optimizer_cls([x, y], **kwargs)
    points = [(x.item(), y.item())]
    for _ in range(steps):
        opt.zero_grad()
        f(x, y).backward()
        opt.step()
        points.append((x.item(), y.item()))
    return np.array(points)


def main(argv=None):
    p = parser(__doc__.splitlines()[0], data=False)
    p.add_argument("--steps", type=int, default=30, help="optimizer steps per path")
    args = p.parse_args(argv)
    steps = 5 if args.quick else args.steps
    out = out_dir(args)

    xs, ys = np.meshgrid(np.arange(-10, 10, 0.01), np.arange(-5, 5, 0.01))
    z = f(xs, ys)
    z[z > 7] = 0  # as the book: leave the far field blank so the valley's contours stand out

    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (name, (cls, kwargs)) in zip(axes.flat, OPTIMIZERS.items(), strict=False):  # spare axes
        points = path(cls, kwargs, steps=steps)
        ax.contour(xs, ys, z, levels=8, colors="0.6", linewidths=0.8)
        ax.plot(points[:, 0], points[:, 1], "o-", color="red", markersize=3)
        ax.plot(0, 0, "+", color="black", markersize=12)
        ax.set(xlim=(-10, 10), ylim=(-10, 10), xlabel="x", ylabel="y",
               title=f"{name} (lr={kwargs['lr']})")
        print(f"{name:9s} after {steps} steps: x={points[-1, 0]: .4f}  y={points[-1, 1]: .4f}  "
              f"f={f(*points[-1]):.5f}")
    fig.suptitle("Paths to the minimum of f(x, y) = x²/20 + y² from (-7, 2)")
    fig.tight_layout()
    savefig(fig, out / "optimizer_paths.png")


if __name__ == "__main__":
    main()
