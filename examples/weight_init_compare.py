"""Training loss of a 5-layer ReLU MLP on MNIST with std 0.01, Xavier and He weights (book
figure 6-15).

The network is the book's: 784 -> 100 x 4 -> 10, ReLU, SGD with lr 0.01,
mini-batches of 128, the same batches for each init. With std 0.01 the
activations (and so the gradients) shrink layer after layer and the loss
hardly moves; with Xavier and He it falls at once, He fastest: it is the init
made for ReLU.

    python examples/weight_init_compare.py --out out/
"""
from _common import mlp_loss_curves, mnist, out_dir, parser, plot_loss_curves

from tinygrad_book import optim

INITS = {"std=0.01": 0.01, "Xavier": "xavier", "He": "he"}  # MLP's weight_init_std


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=16, train_size=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = 1, 256
    out = out_dir(args)
    train_data, test_data = mnist(args)

    # Every init trains with the same SGD on the same batches.
    variants = {name: (init, optim.SGD, {"lr": args.lr}) for name, init in INITS.items()}
    curves = mlp_loss_curves(args, variants, train_data, test_data)
    plot_loss_curves(curves, out / "weight_init_compare.png", ylim=(0, 2.5),
                     title=f"Weight init on MNIST: 5-layer ReLU MLP, SGD lr={args.lr}")


if __name__ == "__main__":
    main()
