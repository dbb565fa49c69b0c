"""What every example script shares: its command line, the data and saving figures.

Not an example itself. The scripts import it as ``_common`` (Python puts the
script's own folder first on ``sys.path``).
"""
import argparse
import os
import time
from pathlib import Path

# One BLAS thread unless the caller sets one of these: the matrices of these
# small networks gain little from more, and on a busy machine OpenBLAS threads
# spin waiting for a core (measured: a SimpleConvNet step took 0.14 s with one
# thread, 0.5-2 s with the default two, on 2 shared cores). Set before NumPy loads.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only, no window: the scripts also run on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

import tinygrad_book as tb  # noqa: E402


def parser(description, epochs=None, train_size=None, data=True):
    """An ArgumentParser with the flags every example takes.

    ``--out`` (folder for the PNGs), ``--seed``, ``--quick`` (tiny settings
    for a smoke test), with ``data`` the MNIST ``--source``, and, when given
    defaults, ``--epochs`` and ``--train-size``.
    """
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default="out", help="folder the figures are written to")
    p.add_argument("--seed", type=int, default=0, help="random seed (weights, batches, dropout)")
    p.add_argument("--quick", action="store_true",
                   help="tiny settings that finish in seconds (a smoke test)")
    if epochs is not None:
        p.add_argument("--epochs", type=int, default=epochs, help="training epochs")
    if train_size is not None:
        p.add_argument("--train-size", type=int, default=train_size,
                       help="number of training images used (0: all)")
    if data:
        p.add_argument("--source", choices=("auto", "sample", "full"), default="sample",
                       help="MNIST: the shipped 5,000-digit sample, full MNIST, or full when "
                            "available else the sample")
    return p


def convnet_args(description, argv, epochs, train_size):
    """The CNN scripts' parsed command line: ``parser``'s flags plus ``--batch-size``,
    Adam's ``--lr`` and ``--test-size``; ``--quick`` is 1 epoch on 50 + 50 images."""
    p = parser(description, epochs=epochs, train_size=train_size)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate")
    p.add_argument("--test-size", type=int, default=0, help="test images used (0: all)")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size, args.test_size = 1, 50, 50
    return args


def out_dir(args):
    path = Path(args.out)
    path.mkdir(parents=True, exist_ok=True)
    return path


def mnist(args, flatten=True, train_size=None):
    """``(x_train, t_train), (x_test, t_test)`` as the book loads them.

    Only the first ``train_size`` (default ``args.train_size``) training images
    and, where the script has ``--test-size``, the first ``args.test_size`` test
    images; 0 means all.
    """
    from tinygrad_book.data import load_mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=flatten, source=args.source)
    n = train_size if train_size is not None else getattr(args, "train_size", 0)
    if n:
        x_train, t_train = x_train[:n], t_train[:n]
    n_test = getattr(args, "test_size", 0)
    if n_test:
        x_test, t_test = x_test[:n_test], t_test[:n_test]
    return (x_train, t_train), (x_test, t_test)


def savefig(fig, path):
    """Save ``fig`` to ``path``, close it and say where it went."""
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


def mlp_loss_curves(args, variants, train_data, test_data):
    """Train the book's 5-layer MLP once per variant; ``{name: per-iteration training loss}``.

    The MLP is chapter 6's: 784 -> 100 x 4 -> 10 with ReLU. ``variants`` maps a
    name to ``(weight_init_std, optimizer class, optimizer kwargs)``. Every
    variant starts from ``args.seed`` (the same initial weights for the same
    init) and sees the same batches (``args.epochs`` epochs of
    ``args.batch_size``). Prints each variant's final smoothed training loss
    and test accuracy.
    """
    from tinygrad_book.models import MLP
    from tinygrad_book.training import fit
    curves = {}
    for name, (init, optimizer, kwargs) in variants.items():
        tb.manual_seed(args.seed)
        model = MLP(784, [100] * 4, 10, activation="relu", weight_init_std=init)
        with Timer(name):
            history = fit(model, optimizer(model.parameters(), **kwargs), train_data,
                          epochs=args.epochs, batch_size=args.batch_size,
                          test_data=test_data, evaluate_every_epoch=False,
                          progress=False, seed=args.seed)
        curves[name] = history.iteration_loss
        print(f"{name:9s} final training loss {smooth(history.iteration_loss)[-1]:.4f}, "
              f"test accuracy {history.final['test_acc']:.4f}")
    return curves


def plot_loss_curves(curves, path, ylim, title):
    """One smoothed training-loss curve per name of ``curves``, saved to ``path``."""
    fig, ax = plt.subplots(figsize=(7, 5))
    for (name, losses), marker in zip(curves.items(), "osDv", strict=False):  # spare markers
        ax.plot(smooth(losses), marker=marker, markevery=max(1, len(losses) // 10), label=name)
    ax.set(xlabel="iterations", ylabel="training loss (smoothed)", ylim=ylim, title=title)
    ax.legend()
    savefig(fig, path)


def integer_epochs(ax):
    """Label the x axis with whole epochs only (short runs would get 0.25, 0.5, ...)."""
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def smooth(values, window=20):
    """Moving average (the book smooths its loss curves the same way), same length as ``values``."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2 or window < 2:
        return values
    window = min(window, len(values))
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, values[0]), values])
    return np.convolve(padded, kernel, mode="valid")


def write_graph(graph, stem, formats=("svg",)):
    """Render ``graph`` (a graphviz.Digraph) to ``stem.svg`` (and the other ``formats``).

    Without Graphviz's ``dot`` it writes the DOT text to ``stem.dot`` instead
    (that needs no binary) and says how to turn it into an SVG. Returns the
    paths written.
    """
    from tinygrad_book.viz import DotNotFoundError, render_graph
    try:
        paths = [render_graph(graph, f"{stem}.{fmt}", format=fmt) for fmt in formats]
    except DotNotFoundError as exc:
        path = f"{stem}.dot"
        Path(path).write_text(graph.source)
        print(f"wrote {path}; no SVG: {exc}\n"
              f"  With Graphviz installed: dot -Tsvg {path} -o {stem}.svg")
        return [path]
    for path in paths:
        print(f"wrote {path}")
    return paths


def trained_simple_convnet(args, x_train, t_train):
    """A SimpleConvNet with the weights of ``args.weights`` if that file exists, else trained
    briefly.

    ``args.weights`` is typically the ``simple_convnet.npz`` written by
    ``train_convnet.py``; the brief training uses that script's recipe (Adam
    at lr 3e-3 annealed by a cosine schedule, batches of 50) for
    ``args.epochs`` epochs on ``x_train``.
    """
    from tinygrad_book import optim
    from tinygrad_book.models import SimpleConvNet
    from tinygrad_book.training import fit
    tb.manual_seed(args.seed)
    model = SimpleConvNet()
    if args.weights and Path(args.weights).is_file():
        model.load_state_dict(tb.load(args.weights))
        print(f"loaded weights from {args.weights}")
        return model
    print(f"training SimpleConvNet for {args.epochs} epoch(s) on {len(x_train)} images "
          f"(pass --weights out/simple_convnet.npz from train_convnet.py to skip this)")
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    with Timer("training"):
        fit(model, optimizer, (x_train, t_train), epochs=args.epochs, batch_size=50,
            evaluate_every_epoch=False, progress=False, seed=args.seed,
            scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs))
    return model


class Timer:
    """``with Timer("training"):`` prints how long the block took."""

    def __init__(self, what):
        self.what = what

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        print(f"{self.what}: {self.seconds:.1f}s")
        return False


def seed_everything(seed):
    """Seed the library's generator (weights, shuffling, dropout) for a repeatable run."""
    tb.manual_seed(seed)


__all__ = ["parser", "convnet_args", "out_dir", "mnist", "savefig", "smooth",
           "integer_epochs", "mlp_loss_curves", "plot_loss_curves", "write_graph",
           "trained_simple_convnet", "Timer",
           "seed_everything", "plt"]
