"""SGD, Momentum, AdaGrad and Adam training the same 5-layer MLP on MNIST (book figure 6-9).

The network is the book's: 784 -> 100 -> 100 -> 100 -> 100 -> 10 with ReLU
and He initialisation, mini-batches of 128, learning rates SGD 0.01,
Momentum 0.01, AdaGrad 0.01, Adam 0.001. Every optimizer starts from the same
initial weights and sees the same batches. The plot shows the (smoothed)
training loss per iteration: SGD learns slowest; Momentum, AdaGrad and Adam
are all much faster, AdaGrad often a little ahead, as in the book.

    python examples/optimizer_compare_mnist.py --out out/
"""
from _common import mlp_loss_curves, mnist, out_dir, parser, plot_loss_curves

from tinygrad_book import optim

# name -> (MLP's weight_init_std, optimizer, its arguments): He init for all
OPTIMIZERS = {
    "SGD": ("relu", optim.SGD, {"lr": 0.01}),
    "Momentum": ("relu", optim.Momentum, {"lr": 0.01}),
    "AdaGrad": ("relu", optim.AdaGrad, {"lr": 0.01}),
    "Adam": ("relu", optim.Adam, {"lr": 0.001}),
}


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=16, train_size=0)
    p.add_argument("--batch-size", type=int, default=128)
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = 1, 256
    out = out_dir(args)
    train_data, test_data = mnist(args)

    # Same initial weights and batches for every optimizer.
    curves = mlp_loss_curves(args, OPTIMIZERS, train_data, test_data)
    plot_loss_curves(curves, out / "optimizer_compare_mnist.png", ylim=(0, 1),
                     title="Optimizers on MNIST: 5-layer MLP, ReLU, He init")


if __name__ == "__main__":
    main()
