"""SGD, Momentum, AdaGrad and Adam training the same 5-layer MLP on MNIST (book figure 6-9).

The network is the book's: 784 -> 100 -> 100 -> 100 -> 100 -> 10 with ReLU
and He initialisation, mini-batches of 128, learning rates SGD 0.01,
Momentum 0.01, AdaGrad 0.01, Adam 0.001. Every optimizer starts from the same
initial weights and sees the same batches. The plot shows the (smoothed)
training loss per iteration: SGD learns slowest; Momentum, AdaGrad and Adam
are all much faster, AdaGrad often a little ahead, as in the book.

    python examples/optimizer_compare_mnist.py --out out/
"""
from _common import Timer, mnist, out_dir, parser, plt, savefig, smooth

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import MLP
from tinygrad_book.training import fit

OPTIMIZERS = {
    "SGD": (optim.SGD, {"lr": 0.01}),
    "Momentum": (optim.Momentum, {"lr": 0.01}),
    "AdaGrad": (optim.AdaGrad, {"lr": 0.01}),
    "Adam": (optim.Adam, {"lr": 0.001}),
}


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=16, train_size=0)
    p.add_argument("--batch-size", type=int, default=128)
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = 1, 256
    out = out_dir(args)
    (x_train, t_train), (x_test, t_test) = mnist(args)

    curves = {}
    for name, (cls, kwargs) in OPTIMIZERS.items():
        tb.manual_seed(args.seed)  # same initial weights for every optimizer
        model = MLP(784, [100] * 4, 10, activation="relu", weight_init_std="relu")
        with Timer(f"{name}"):
            history = fit(model, cls(model.parameters(), **kwargs), (x_train, t_train),
                          epochs=args.epochs, batch_size=args.batch_size,
                          test_data=(x_test, t_test), evaluate_every_epoch=False,
                          progress=False, seed=args.seed)
        curves[name] = history.iteration_loss
        print(f"{name:9s} final training loss {smooth(history.iteration_loss)[-1]:.4f}, "
              f"test accuracy {history.final['test_acc']:.4f}")

    fig, ax = plt.subplots(figsize=(7, 5))
    for (name, losses), marker in zip(curves.items(), "osDv"):
        ax.plot(smooth(losses), marker=marker, markevery=max(1, len(losses) // 10), label=name)
    ax.set(xlabel="iterations", ylabel="training loss (smoothed)", ylim=(0, 1),
           title="Optimizers on MNIST: 5-layer MLP, ReLU, He init")
    ax.legend()
    savefig(fig, out / "optimizer_compare_mnist.png")


if __name__ == "__main__":
    main()
