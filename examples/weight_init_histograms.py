"""Activation histograms of 5 layers of 100 units for several weight inits (book figures 6-10
to 6-14).

1,000 random inputs of 100 features pass through 5 fully connected layers of
100 units (no bias), and the histogram of each layer's activations is drawn:

- sigmoid with std 1: activations pile up at 0 and 1, where the sigmoid's
  slope vanishes (gradient vanishing, figure 6-10);
- sigmoid with std 0.01: all activations near 0.5, every unit says the same
  thing (lost expressiveness, figure 6-11);
- sigmoid with Xavier (std 1/sqrt(n)): spread over the whole range in every
  layer (figure 6-13);
- ReLU with std 0.01 (activations shrink towards 0 layer after layer),
  Xavier (they still shrink, slowly) and He (std sqrt(2/n): the same spread
  in every layer, figure 6-14).

The weights are drawn with ``nn.init``: ``normal_(std=...)``,
``xavier_normal_`` (std sqrt(2/(fan_in + fan_out)), which for these square
100x100 layers is the book's 1/sqrt(100)) and ``kaiming_normal_`` with
``nonlinearity="relu"`` (the book's He std sqrt(2/n)).

    python examples/weight_init_histograms.py --out out/
"""
from _common import out_dir, parser, plt, savefig

import tinygrad_book as tb
from tinygrad_book.nn import init

INITS = {
    "std=1": lambda w: init.normal_(w, std=1.0),
    "std=0.01": lambda w: init.normal_(w, std=0.01),
    "Xavier": lambda w: init.xavier_normal_(w),
    "He": lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
}
EXPERIMENTS = {  # file name -> (activation, inits to compare), as the book's figures
    "weight_init_sigmoid": ("sigmoid", ["std=1", "std=0.01", "Xavier"]),
    "weight_init_relu": ("relu", ["std=0.01", "Xavier", "He"]),
}


def activations(x, activation, init, layers=5, units=100):
    """The activations ``(N, units)`` of each of ``layers`` layers fed with ``x``
    ``(N, features)``."""
    out, a = [], x
    for _ in range(layers):
        w = tb.empty(units, a.shape[1])  # (out, in), as nn.Linear's weight
        INITS[init](w)
        a = getattr(a @ w.T, activation)()
        out.append(a.numpy())
    return out


def main(argv=None):
    p = parser(__doc__.splitlines()[0], data=False)
    p.add_argument("--samples", type=int, default=1000, help="number of random inputs")
    args = p.parse_args(argv)
    samples = 100 if args.quick else args.samples
    out = out_dir(args)
    tb.manual_seed(args.seed)
    x = tb.randn(samples, 100)

    for filename, (activation, inits) in EXPERIMENTS.items():
        fig, axes = plt.subplots(len(inits), 5, figsize=(13, 2.6 * len(inits)), sharey="row")
        for row, init_name in zip(axes, inits, strict=True):
            layers = activations(x, activation, init_name)
            for i, (ax, a) in enumerate(zip(row, layers, strict=False)):  # spare axes
                ax.hist(a.ravel(), bins=30, range=(0, 1))
                ax.set_title(f"{i + 1}-layer", fontsize=9)
                if activation == "relu":
                    # as figure 6-14: the spike at 0 would hide the rest
                    ax.set_ylim(0, 7 * samples)
                if i > 0:
                    ax.tick_params(labelleft=False)
            row[0].set_ylabel(init_name)
            print(f"{activation:7s} {init_name:8s} std of each layer's activations: "
                  + " ".join(f"{a.std():.4f}" for a in layers))
        fig.suptitle(f"{activation} activations of 5 layers of 100 units: "
                     + ", ".join(inits))
        fig.tight_layout()
        savefig(fig, out / f"{filename}.png")


if __name__ == "__main__":
    main()
