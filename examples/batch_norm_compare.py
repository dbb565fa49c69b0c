"""Training accuracy with and without Batch Normalization over 16 weight scales (book figure 6-19).

The book's experiment: a 6-layer MLP (784 -> 100 x 5 -> 10, ReLU), 1,000
training images, SGD lr 0.01, mini-batches of 100, 20 epochs; the weights
are drawn with standard deviations ``logspace(0, -4, 16)`` (1 down to 1e-4).
Each panel shows the accuracy on the training data per epoch, with
BatchNorm (solid) and without (dashed), both from the same initial weights.
Without BatchNorm only a narrow band of scales learns at all: too large and
the activations explode (the loss overflows and the run stops, marked
"diverged"), too small and the gradients vanish (flat at chance). With
BatchNorm most scales learn quickly. At the largest scales it learns, but
slowly: the gradient that reaches a weight matrix behind BatchNorm shrinks as
the weights grow, so SGD's steps are relatively tiny (PyTorch gives the same
curves for this set-up); at the very smallest the last, unnormalised layer
is what holds learning back.

    python examples/batch_norm_compare.py --out out/
"""
import warnings

import numpy as np
from _common import Timer, mnist, out_dir, parser, plt, savefig

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import MLP
from tinygrad_book.training import fit


def train_accuracy(args, x, t, std, batchnorm):
    """The History of one network: ``train_acc`` per epoch (epoch 0 = before training)."""
    tb.manual_seed(args.seed)  # the same weights with and without BatchNorm
    model = MLP(784, [100] * 5, 10, activation="relu", weight_init_std=float(std),
                use_batchnorm=batchnorm)
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        # Exploding runs are part of the experiment: the figure marks them "diverged".
        warnings.simplefilter("ignore", RuntimeWarning)
        return fit(model, optim.SGD(model.parameters(), lr=args.lr), (x, t), epochs=args.epochs,
                   batch_size=args.batch_size, progress=False, seed=args.seed)


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=20, train_size=1000)
    p.add_argument("--scales", type=int, default=16, help="number of weight scales (4x4 grid)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size, args.scales = 1, 100, 2
    out = out_dir(args)
    (x, t), _ = mnist(args)

    stds = np.logspace(0, -4, num=args.scales)
    cols = int(np.ceil(np.sqrt(args.scales)))
    rows = int(np.ceil(args.scales / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.5 * rows), sharex=True, sharey=True,
                             squeeze=False)
    with Timer(f"{args.scales} scales x 2 networks"):
        for i, (ax, std) in enumerate(zip(axes.flat, stds, strict=False)):  # spare axes
            runs = {"with BatchNorm": train_accuracy(args, x, t, std, True),
                    "without": train_accuracy(args, x, t, std, False)}
            print(f"{i + 1:2d}/{args.scales} std {std:.2e}: final training accuracy "
                  + ", ".join(f"{name} {'diverged' if h.diverged else f'{h.train_acc[-1]:.3f}'}"
                              for name, h in runs.items()))
            for (name, h), style, label in zip(runs.items(), ("-", "--"),
                                              ("Batch Normalization", "Normal (without BatchNorm)"),
                                              strict=True):
                color = "tab:blue" if style == "-" else "tab:green"
                ax.plot(h.epoch, h.train_acc, style, marker="." if h.diverged else None,
                        color=color, label=label)
                if h.diverged:
                    ax.text(0.97, 0.9 if style == "-" else 0.78, f"{name}: diverged",
                            transform=ax.transAxes, ha="right", fontsize=7, color=color)
            ax.set_title(f"W: {std:.2e}", fontsize=9)
            ax.set(ylim=(0, 1), xlim=(0, args.epochs))
    for ax in axes.flat[args.scales:]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("epochs")
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy")
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Training accuracy with (solid) and without (dashed) BatchNorm, per weight std")
    fig.tight_layout()
    savefig(fig, out / "batch_norm_compare.png")


if __name__ == "__main__":
    main()
