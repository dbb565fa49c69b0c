"""What first-layer filters do to a digit: feature maps of hand-made and learned filters.

A convolution filter responds where the image looks like the filter: the two
hand-made filters (the idea of the book's section 7.6.1) light up at vertical and at
horizontal edges of the strokes. Below them, the first learned filters of a
trained SimpleConvNet with their feature maps (``F.conv2d`` of the digit with
each filter, then ReLU, as in the network): each picks out strokes of one
orientation or side, which is what the next layers build on.

The trained weights come from ``--weights`` (the ``simple_convnet.npz`` that
``train_convnet.py`` writes) when that file exists; otherwise the network is
trained briefly here.

    python examples/apply_filter.py --out out/
"""
import numpy as np
from _common import mnist, out_dir, parser, plt, savefig, trained_simple_convnet

import tinygrad_book as tb
from tinygrad_book.nn import functional as F

EDGE_FILTERS = {  # dark-to-light steps, as a Sobel filter
    "vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float32),
    "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float32),
}


def feature_map(image, kernel, bias=0.0):
    """ReLU(conv2d(image, kernel) + bias) for one ``(H, W)`` image and one ``(FH, FW)`` kernel."""
    with tb.no_grad():
        out = F.conv2d(tb.Tensor(image[None, None]), tb.Tensor(kernel[None, None]),
                       tb.Tensor(np.array([bias], dtype=np.float32)))
    return np.maximum(out.numpy()[0, 0], 0)


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=3, train_size=0)
    p.add_argument("--weights", default=None,
                   help="trained SimpleConvNet weights (.npz from train_convnet.py)")
    p.add_argument("--filters", type=int, default=8, help="learned filters shown")
    p.add_argument("--index", type=int, default=0, help="which test image")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size, args.filters = 1, 200, 4
    out = out_dir(args)
    (x_train, t_train), (x_test, t_test) = mnist(args, flatten=False)
    image = x_test[args.index, 0]

    model = trained_simple_convnet(args, x_train, t_train)
    weights = model.conv1.weight.numpy()[:args.filters, 0]
    biases = model.conv1.bias.numpy()[:args.filters]

    columns = max(len(EDGE_FILTERS) + 1, args.filters)
    fig, axes = plt.subplots(4, columns, figsize=(1.7 * columns, 7.2))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.axis("off")
    axes[0, 0].imshow(image, cmap="gray_r")
    axes[0, 0].set_title(f"input (a {t_test[args.index]})", fontsize=9)
    for j, (name, kernel) in enumerate(EDGE_FILTERS.items(), 1):
        axes[0, j].imshow(kernel, cmap="gray_r", interpolation="nearest")
        axes[0, j].set_title(f"filter:\n{name}", fontsize=9)
        axes[1, j].imshow(feature_map(image, kernel), cmap="gray")
        axes[1, j].set_title("its feature map", fontsize=9)
    for j in range(args.filters):
        axes[2, j].imshow(weights[j], cmap="gray_r", interpolation="nearest")
        axes[2, j].set_title(f"learned {j}", fontsize=9)
        axes[3, j].imshow(feature_map(image, weights[j], biases[j]), cmap="gray")
    for ax in axes.flat:
        if ax.images:
            ax.axis("on")
    fig.suptitle("Filters and their feature maps (white = strong response)")
    fig.tight_layout()
    savefig(fig, out / "apply_filter.png")


if __name__ == "__main__":
    main()
