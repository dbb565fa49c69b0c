"""Overfitting and two cures: weight decay and Dropout (book figures 6-20 to 6-23).

The book's set-up for overfitting on purpose: only 300 training images and a
7-layer MLP (784 -> 100 x 6 -> 10, ReLU), SGD lr 0.01, mini-batches of 100.
Three runs from the same initial weights (numbers from the default run):

- plain: training accuracy reaches 100% while test accuracy stalls near 80%
  (figure 6-20: the gap of about 0.2 is overfitting);
- weight decay with lambda = 0.1: training accuracy no longer reaches 100%
  (about 92%) and the gap narrows only a little within 200 epochs, as in
  figure 6-21 the network fits the training data less tightly;
- Dropout with ratio 0.2 after every hidden layer: learning is slower and
  noisier, training accuracy stays far from 100% (figure 6-23; the book
  runs 300 epochs).

Weight decay, two equivalent ways (``--weight-decay-mode``):

- ``loss`` (the book's): add (lambda / 2) * sum of W**2 over all weight
  matrices (not the biases) to the loss, so backward adds lambda * W to each
  weight's gradient;
- ``optimizer``: ``optim.SGD`` with a parameter group of the weight matrices
  carrying ``weight_decay=lambda`` (and the biases ``weight_decay=0``); SGD
  adds lambda * W to the gradient before the step, so the updates are the
  same. (For adaptive optimizers the two differ; Adam's decoupled variant is
  ``AdamW``.) The reported loss then excludes the penalty term.

    python examples/overfitting.py --out out/
"""
from _common import Timer, mnist, out_dir, parser, plt, savefig

import tinygrad_book as tb
from tinygrad_book import optim
from tinygrad_book.models import MLP
from tinygrad_book.nn import functional as F
from tinygrad_book.training import fit


def weight_matrices(model):
    """The weights that weight decay penalises: every ``weight`` of rank >= 2 (not biases, not
    BatchNorm)."""
    return [p for name, p in model.named_parameters()
            if name.rsplit(".", 1)[-1] == "weight" and p.ndim >= 2]


def l2_penalized(model, lam):
    """The book's loss with weight decay: cross-entropy + (lam / 2) * sum of squared weights."""
    weights = weight_matrices(model)

    def loss_fn(logits, t):
        return F.cross_entropy(logits, t) + 0.5 * lam * sum((w ** 2).sum() for w in weights)
    return loss_fn


def run(args, data, weight_decay=0.0, dropout=0.0):
    (x_train, t_train), test = data
    tb.manual_seed(args.seed)  # the same initial weights in every run
    model = MLP(784, [100] * 6, 10, activation="relu", weight_init_std="he",
                use_dropout=dropout > 0, dropout_ratio=dropout)
    params, loss_fn = model.parameters(), None
    if weight_decay and args.weight_decay_mode == "loss":
        loss_fn = l2_penalized(model, weight_decay)
    elif weight_decay:
        weights = weight_matrices(model)
        others = [p for p in model.parameters() if all(p is not w for w in weights)]
        params = [{"params": weights, "weight_decay": weight_decay},
                  {"params": others, "weight_decay": 0.0}]
    return fit(model, optim.SGD(params, lr=args.lr), (x_train, t_train), epochs=args.epochs,
               batch_size=args.batch_size, test_data=test, loss_fn=loss_fn, progress=False,
               seed=args.seed)


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=200, train_size=300)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    p.add_argument("--weight-decay", type=float, default=0.1, help="lambda of the L2 term")
    p.add_argument("--dropout", type=float, default=0.2, help="dropout ratio")
    p.add_argument("--weight-decay-mode", choices=("loss", "optimizer"), default="loss",
                   help="add the L2 term to the loss (book) or use SGD's weight_decay")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = 2, 100
    out = out_dir(args)
    data = mnist(args)

    runs = {"no regularization": {},
            f"weight decay (lambda={args.weight_decay})": {"weight_decay": args.weight_decay},
            f"Dropout (ratio={args.dropout})": {"dropout": args.dropout}}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), sharey=True)
    for ax, (title, kwargs) in zip(axes, runs.items(), strict=True):
        with Timer(title):
            h = run(args, data, **kwargs)
        print(f"{title}: train accuracy {h.train_acc[-1]:.3f}, test accuracy {h.test_acc[-1]:.3f}"
              f", gap {h.train_acc[-1] - h.test_acc[-1]:.3f}")
        ax.plot(h.epoch, h.train_acc, "o-", markevery=max(1, len(h.epoch) // 10), label="train")
        ax.plot(h.epoch, h.test_acc, "s-", markevery=max(1, len(h.epoch) // 10), label="test")
        ax.set(title=title, xlabel="epochs", ylim=(0, 1.0))
        ax.legend(loc="lower right")
    axes[0].set_ylabel("accuracy")
    fig.suptitle(f"{args.train_size} training images, 7-layer MLP")
    fig.tight_layout()
    savefig(fig, out / "overfitting.png")


if __name__ == "__main__":
    main()
