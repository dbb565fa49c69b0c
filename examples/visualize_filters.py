"""SimpleConvNet's 30 first-layer filters before and after training (book figure 7-24).

Before training the 5x5 filters are random noise (std 0.01). After training
they have structure: dark-to-light transitions in one direction, small blobs,
i.e. edge and blob detectors; each responds to strokes of one orientation in
the digit (see ``apply_filter.py`` for what they do to an image).

The trained weights come from ``--weights`` (the ``simple_convnet.npz`` that
``train_convnet.py`` writes) when that file exists; otherwise the network is
trained briefly here.

    python examples/visualize_filters.py --out out/
    python examples/visualize_filters.py --weights out/simple_convnet.npz
"""
import numpy as np
from _common import mnist, out_dir, parser, plt, savefig, trained_simple_convnet

import tinygrad_book as tb
from tinygrad_book.models import SimpleConvNet


def draw_filters(subfig, filters, title, columns=6):
    """Draw ``filters`` ``(N, 1, FH, FW)`` as a grid of grey images (dark = large weight)."""
    rows = int(np.ceil(len(filters) / columns))
    axes = subfig.subplots(rows, columns)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(filters):
            ax.imshow(filters[i, 0], cmap="gray_r", interpolation="nearest")
        else:
            ax.axis("off")
    subfig.suptitle(title)


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=3, train_size=0)
    p.add_argument("--weights", default=None,
                   help="trained SimpleConvNet weights (.npz from train_convnet.py)")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = 1, 200
    out = out_dir(args)
    (x_train, t_train), _ = mnist(args, flatten=False)

    tb.manual_seed(args.seed)  # the same seed gives the initial weights the model starts from
    before = SimpleConvNet().conv1.weight.numpy().copy()
    after = trained_simple_convnet(args, x_train, t_train).conv1.weight.numpy()

    fig = plt.figure(figsize=(11, 5))
    left, right = fig.subfigures(1, 2, wspace=0.05)
    draw_filters(left, before, "conv1 filters before training")
    draw_filters(right, after, "after training")
    savefig(fig, out / "visualize_filters.png")


if __name__ == "__main__":
    main()
