"""Watch backprop: write an interactive page that steps through a model's backward pass.

The book's chapter 5 draws backprop as gradients flowing backwards through a
computational graph, node by node. This writes that picture for your own
model as one self-contained HTML page (no network needed to open it):

- ``explorer.html``: a 2-layer MLP on 4 inputs, the size of the book's chapter 5
  figures (4 -> 3 -> ReLU -> 2, softmax cross-entropy);
- ``explorer_simple_convnet.html``: the chapter 7 SimpleConvNet on two images.

Open either file in a browser: click a node for its values and gradient, press
the right arrow (or ▶ step) to run backward one node at a time, the left arrow
to go back. Needs Graphviz's ``dot`` to lay the graph out.

    python examples/explore_graph.py --out out/
"""
import time

import numpy as np
from _common import out_dir, parser

import tinygrad_book as tb
from tinygrad_book import models, nn
from tinygrad_book.nn import functional as F


def mlp_loss():
    """A 4 -> 3 -> 2 MLP on one input, as small as the book's chapter 5 graphs."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = tb.Tensor(tb.randn(1, 4).data, name="x")
    loss = F.cross_entropy(model(x), tb.Tensor(np.array([1]), name="label"))
    return model, loss


def convnet_loss(batch_size):
    model = models.SimpleConvNet()
    x = tb.Tensor(tb.rand(batch_size, 1, 28, 28).data, name="x")
    loss = F.cross_entropy(model(x), tb.Tensor(np.arange(batch_size) % 10, name="labels"))
    return model, loss


def main(argv=None):
    p = parser(__doc__.splitlines()[0], data=False)
    p.add_argument("--batch-size", type=int, default=2, help="images in SimpleConvNet's batch")
    args = p.parse_args(argv)
    out = out_dir(args)

    tb.manual_seed(args.seed)
    pages = {"explorer.html": ("2-layer MLP: watch backprop", mlp_loss()),
             "explorer_simple_convnet.html": ("SimpleConvNet: watch backprop",
                                              convnet_loss(args.batch_size))}
    for filename, (title, (model, loss)) in pages.items():
        start = time.perf_counter()
        page = tb.viz.explore(loss, params=dict(model.named_parameters()), title=title)
        path = page.save(out / filename)
        print(f"{path}: {len(page.nodes)} nodes, {len(page.order)} backward steps, "
              f"written in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
