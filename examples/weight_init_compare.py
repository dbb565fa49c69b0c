"""Training loss of a 5-layer ReLU MLP on MNIST with std 0.01, Xavier and He weights (book figure 6-15).

The network is the book's: 784 -> 100 x 4 -> 10, ReLU, SGD with lr 0.01,
mini-batches of 128, the same batches for each init. With std 0.01 the
activations (and so the gradients) shrink layer after layer and the loss
hardly moves; with Xavier and He it falls at once, He fastest: it is the init
made for ReLU.

    python examples/weight_init_compare.py --out out/
"""
from _common import Timer, mnist, out_dir, parser, plt, savefig, smooth

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import MLP
from tinygrad_book.training import fit

INITS = {"std=0.01": 0.01, "Xavier": "xavier", "He": "he"}  # MLP's weight_init_std


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=16, train_size=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = 1, 256
    out = out_dir(args)
    (x_train, t_train), (x_test, t_test) = mnist(args)

    curves = {}
    for name, init in INITS.items():
        tb.manual_seed(args.seed)
        model = MLP(784, [100] * 4, 10, activation="relu", weight_init_std=init)
        with Timer(name):
            history = fit(model, optim.SGD(model.parameters(), lr=args.lr), (x_train, t_train),
                          epochs=args.epochs, batch_size=args.batch_size,
                          test_data=(x_test, t_test), evaluate_every_epoch=False,
                          progress=False, seed=args.seed)
        curves[name] = history.iteration_loss
        print(f"{name:9s} final training loss {smooth(history.iteration_loss)[-1]:.4f}, "
              f"test accuracy {history.final['test_acc']:.4f}")

    fig, ax = plt.subplots(figsize=(7, 5))
    for (name, losses), marker in zip(curves.items(), "osD"):
        ax.plot(smooth(losses), marker=marker, markevery=max(1, len(losses) // 10), label=name)
    ax.set(xlabel="iterations", ylabel="training loss (smoothed)", ylim=(0, 2.5),
           title=f"Weight init on MNIST: 5-layer ReLU MLP, SGD lr={args.lr}")
    ax.legend()
    savefig(fig, out / "weight_init_compare.png")


if __name__ == "__main__":
    main()
