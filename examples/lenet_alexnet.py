"""LeNet-5 and a small AlexNet trained briefly on MNIST, side by side (book section 7.7).

LeNet-5 (1998): two 5x5 convolutions with pooling and three affine layers;
here with ReLU and max pooling, as today's variants (the original used
sigmoid and subsampling). AlexNet (2012): the same idea made deep, with ReLU,
local response normalisation (LRN) and Dropout; the model zoo's version is
sized for 28x28 images. Both train with Adam (lr 2e-3, batches of 50) for 2
epochs on 2,000 of the sample's images by default (AlexNet is the slow one:
about a minute); the figure shows their accuracy per epoch and the script
prints parameter counts, time per epoch and test accuracy.

    python examples/lenet_alexnet.py --out out/
"""
from _common import Timer, convnet_args, integer_epochs, mnist, out_dir, plt, savefig

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import AlexNet, LeNet5
from tinygrad_book.training import fit

MODELS = {"LeNet-5": LeNet5, "AlexNet (small)": AlexNet}


def main(argv=None):
    args = convnet_args(__doc__.splitlines()[0], argv, epochs=2, train_size=2000)
    out = out_dir(args)
    (x_train, t_train), (x_test, t_test) = mnist(args, flatten=False)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (name, cls), color in zip(MODELS.items(), ("tab:blue", "tab:red"), strict=True):
        tb.manual_seed(args.seed)
        model = cls()
        n_params = sum(p.numel() for p in model.parameters())
        with Timer(f"{name} ({n_params:,} parameters)") as timer:
            h = fit(model, optim.Adam(model.parameters(), lr=args.lr), (x_train, t_train),
                    epochs=args.epochs, batch_size=args.batch_size, test_data=(x_test, t_test),
                    evaluate_sample_num_per_epoch=500, progress=False, seed=args.seed)
        print(f"{name}: test accuracy {h.final['test_acc']:.4f}, "
              f"{timer.seconds / args.epochs:.1f}s per epoch")
        ax.plot(h.epoch, h.train_acc, "o--", color=color, label=f"{name} train")
        ax.plot(h.epoch, h.test_acc, "s-", color=color, label=f"{name} test")
    ax.set(xlabel="epochs", ylabel="accuracy", ylim=(0, 1),
           title=f"LeNet-5 and AlexNet on {len(x_train)} MNIST images")
    ax.legend(loc="lower right")
    integer_epochs(ax)
    savefig(fig, out / "lenet_alexnet.png")


if __name__ == "__main__":
    main()
