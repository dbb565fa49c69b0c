"""ResNet-18 (chapter 8's residual network) trained on the shipped MNIST sample.

The book's chapter 8 ends with ResNet: skip connections y = F(x) + x let a
network get much deeper than DeepConvNet without its gradients vanishing.
``tinygrad_book.models.ResNet18`` is the 18-layer net with BatchNorm and
identity / 1x1 shortcuts, with the small-image stem for 28x28 digits. On
NumPy the paper's width (64 channels in the first stage) costs about a
second per small batch, so the default here is width 16: same depth and
shortcuts, 1/16 of the arithmetic. Adam (lr 3e-3) with a cosine schedule,
2 epochs of batches of 50 on the sample's 4,000 training digits: 94.7% on its
1,000 test digits, in about 2 minutes on 2 busy cores (one measured run).

Writes ``resnet_mnist.png`` (training loss and accuracy per epoch).

    python examples/resnet_mnist.py --out out/
    python examples/resnet_mnist.py --width 64 --epochs 5   # the full-width net: slow
"""
from _common import Timer, integer_epochs, mnist, out_dir, parser, plt, savefig, smooth

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import ResNet18
from tinygrad_book.training import fit


def parse(argv):
    p = parser(__doc__.splitlines()[0], epochs=2, train_size=0)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    p.add_argument("--test-size", type=int, default=0, help="test images used (0: all)")
    p.add_argument("--width", type=int, default=16,
                   help="channels of the first stage (the paper's 64 is slow on NumPy)")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size, args.test_size, args.width = 1, 50, 50, 4
    return args


def main(argv=None):
    args = parse(argv)
    width = args.width
    out = out_dir(args)
    (x_train, t_train), (x_test, t_test) = mnist(args, flatten=False)

    tb.manual_seed(args.seed)
    model = ResNet18(in_channels=1, num_classes=10, width=width)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    print(f"ResNet18 (width {width}): {sum(p.numel() for p in model.parameters()):,} "
          f"parameters; {len(x_train)} training and {len(x_test)} test images")
    with Timer("training"):
        history = fit(model, optimizer, (x_train, t_train), epochs=args.epochs,
                      batch_size=args.batch_size, test_data=(x_test, t_test),
                      evaluate_sample_num_per_epoch=500, seed=args.seed, scheduler=scheduler)
    print(f"test accuracy: {history.final['test_acc']:.4f}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(smooth(history.iteration_loss))
    ax1.set(xlabel="iterations", ylabel="training loss (smoothed)", title="ResNet18 loss")
    ax2.plot(history.epoch, history.train_acc, "o-", label="train")
    ax2.plot(history.epoch, history.test_acc, "s-", label="test")
    ax2.set(xlabel="epochs", ylabel="accuracy", ylim=(0, 1), title="ResNet18 on MNIST")
    ax2.legend(loc="lower right")
    integer_epochs(ax2)
    savefig(fig, out / "resnet_mnist.png")


if __name__ == "__main__":
    main()
