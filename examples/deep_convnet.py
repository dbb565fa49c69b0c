"""The book's DeepConvNet (chapter 8.1), trained briefly on MNIST, and the digits it gets wrong.

DeepConvNet: six 3x3 convolutions (16, 16, 32, 32, 64, 64 filters) with ReLU,
a 2x2 max pool after every second one, then affine 50 -> ReLU -> Dropout ->
affine 10 -> Dropout, He initialisation, Adam. The book trains it for 20
epochs on full MNIST (lr 1e-3, batches of 100) and reaches about 99.4%; it is
about 10 times more work per image than SimpleConvNet, so the default here is
a short run on the shipped sample: 4 epochs of batches of 50 at lr 2e-3,
annealed to 0 by a cosine schedule (more steps, a larger rate that then
settles: about 95% in about 90 s of CPU; raise ``--epochs`` for more).

Writes ``deep_convnet.png`` (accuracy per epoch), ``deep_convnet_misclassified.png``
(test digits it got wrong, "true/predicted", as the book shows in chapter 8) and
the weights ``deep_convnet.npz``.

    python examples/deep_convnet.py --out out/
"""
import numpy as np
from _common import Timer, convnet_args, integer_epochs, mnist, out_dir, plt, savefig

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import DeepConvNet
from tinygrad_book.training import fit


def predictions(model, x, batch_size=200):
    model.eval()
    with tb.no_grad():
        return np.concatenate([model(tb.Tensor(x[i:i + batch_size])).numpy().argmax(axis=1)
                               for i in range(0, len(x), batch_size)])


def main(argv=None):
    args = convnet_args(__doc__.splitlines()[0], argv, epochs=4, train_size=0)
    out = out_dir(args)
    (x_train, t_train), (x_test, t_test) = mnist(args, flatten=False)

    tb.manual_seed(args.seed)
    model = DeepConvNet()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    print(f"DeepConvNet: {sum(p.numel() for p in model.parameters()):,} parameters; "
          f"{len(x_train)} training and {len(x_test)} test images")
    with Timer("training"):
        history = fit(model, optimizer, (x_train, t_train), epochs=args.epochs,
                      batch_size=args.batch_size, test_data=(x_test, t_test),
                      evaluate_sample_num_per_epoch=500, seed=args.seed, scheduler=scheduler)
    print(f"test accuracy: {history.final['test_acc']:.4f}")
    tb.save(model.state_dict(), out / "deep_convnet.npz")

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(history.epoch, history.train_acc, "o-", label="train")
    ax.plot(history.epoch, history.test_acc, "s-", label="test")
    ax.set(xlabel="epochs", ylabel="accuracy", ylim=(0, 1), title="DeepConvNet on MNIST")
    ax.legend(loc="lower right")
    integer_epochs(ax)
    savefig(fig, out / "deep_convnet.png")

    predicted = predictions(model, x_test)
    wrong = np.flatnonzero(predicted != t_test)[:20]
    fig, axes = plt.subplots(4, 5, figsize=(7.5, 6.5))
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong, strict=False):  # <= 20 mistakes
        ax.imshow(x_test[i, 0], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"{t_test[i]}/{predicted[i]}", fontsize=10)
    fig.suptitle(f"Misclassified ({len(np.flatnonzero(predicted != t_test))} of {len(t_test)}), "
                 "true/predicted")
    savefig(fig, out / "deep_convnet_misclassified.png")


if __name__ == "__main__":
    main()
