"""Random search for the learning rate and weight decay, scored on validation data (book 6.5,
figure 6-24).

The book's recipe: 500 training images, 20% of them held out as validation
data (the test data is never looked at while tuning), a 7-layer MLP
(784 -> 100 x 6 -> 10), SGD, learning rate drawn from 10^-6..10^-2 and weight
decay from 10^-8..10^-4 on a log scale, 50 epochs of 4 mini-batches per
trial. (Weight decay is SGD's ``weight_decay``, which also decays the biases;
the book's L2 term leaves them out, see ``overfitting.py``.) The trials
run in parallel on a process pool (``--workers``). After the first round the
ranges are narrowed to those of the best trials (``narrow_space``) and a
second round searches inside them.

The figure shows the best trials of the last round, best first, as the book's
figure 6-24: validation accuracy (solid) and training accuracy (dashed) per
epoch. Only learning rates of a few 10^-3 and more get far in these 200 steps
(the best reach about 70% on the 100 validation digits); smaller ones barely
move; weight decay matters much less at this scale.

    python examples/hyperparameter_search.py --out out/
"""
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np
from _common import Timer, mnist, out_dir, parser, plt, savefig

from tinygrad_book import optim
from tinygrad_book.data import train_val_split
from tinygrad_book.hyperparameter import FitObjective, LogUniform, narrow_space, random_search
from tinygrad_book.models import MLP


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=50, train_size=500)
    p.add_argument("--trials", type=int, default=25, help="trials per round")
    p.add_argument("--rounds", type=int, default=2,
                   help="search rounds; each after the first searches the ranges of the "
                        "previous round's --top-k best")
    p.add_argument("--top-k", type=int, default=5, help="best trials kept when narrowing")
    p.add_argument("--show", type=int, default=20, help="best trials drawn")
    p.add_argument("--workers", type=int, default=2, help="processes running trials")
    p.add_argument("--val-fraction", type=float, default=0.2)
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size, args.trials, args.rounds, args.show = 2, 100, 4, 2, 4
    out = out_dir(args)
    (x, t), _ = mnist(args)  # the test split is deliberately unused
    train, val = train_val_split(x, t, val_fraction=args.val_fraction, seed=args.seed)
    print(f"{len(train[0])} training and {len(val[0])} validation images")

    objective = FitObjective(partial(MLP, 784, [100] * 6, 10), optim.SGD, train, val,
                             epochs=args.epochs, batch_size=100)
    space = {"lr": LogUniform(1e-6, 1e-2), "weight_decay": LogUniform(1e-8, 1e-4)}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for round_ in range(1, args.rounds + 1):
            with Timer(f"round {round_}: {args.trials} trials"):
                results = random_search(objective, space, args.trials, executor=pool,
                                        seed=args.seed + round_)
            for rank, trial in enumerate(results[:args.top_k], 1):
                print(f"  best-{rank}: val acc {trial.score:.3f}  lr {trial.params['lr']:.2e}  "
                      f"weight decay {trial.params['weight_decay']:.2e}")
            space = narrow_space(results, top_k=args.top_k, space=space)
            print(f"  narrowed ranges: {space}")

    shown = results[:args.show]
    cols = min(5, len(shown))
    rows = int(np.ceil(len(shown) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.2 * rows), sharex=True,
                             sharey=True, squeeze=False)
    for rank, (ax, trial) in enumerate(zip(axes.flat, shown, strict=False), 1):  # spare axes
        h = trial.history
        ax.plot(h.epoch, h.val_acc, color="tab:blue")
        ax.plot(h.epoch, h.train_acc, "--", color="tab:gray")
        ax.set_title(f"Best-{rank} lr={trial.params['lr']:.1e}\n"
                     f"wd={trial.params['weight_decay']:.1e}",
                     fontsize=8)
        ax.set_ylim(0, 1)
    for ax in axes.flat[len(shown):]:
        ax.axis("off")
    fig.suptitle("Best trials of the last round: validation (solid) and training (dashed) accuracy")
    fig.tight_layout()
    savefig(fig, out / "hyperparameter_search.png")


if __name__ == "__main__":
    main()
