"""Draw the computation graph of a model's loss: in full, boxed per module, and collapsed per
module.

Every op the forward pass ran is a node of the graph that backward walks in
reverse (the book's chapter 5 computational graphs, here recorded by the
library itself). Three views of the same loss:

- ``*_full``: every op and tensor, with shapes; parameters by name;
- ``*_modules``: the same, each layer's ops inside a box named after the
  layer (``conv1``, ``fc1``, ...);
- ``*_collapsed``: one node per top-level module, with its op count.

Writes SVG and PNG files (``.dot`` text when Graphviz's ``dot`` is missing).

    python examples/draw_graph.py --model simple_convnet --out out/
"""
import numpy as np
from _common import out_dir, parser, write_graph

import tinygrad_book as tb
from tinygrad_book import models
from tinygrad_book.nn import functional as F

MODELS = {
    "simple_convnet": lambda: models.SimpleConvNet(),
    "mlp": lambda: models.MLP(784, [100, 100], 10, use_batchnorm=True),
    "lenet5": lambda: models.LeNet5(),
    "deep_convnet": lambda: models.DeepConvNet(),
}


def main(argv=None):
    p = parser(__doc__.splitlines()[0], data=False)
    p.add_argument("--model", choices=sorted(MODELS), default="simple_convnet")
    p.add_argument("--batch-size", type=int, default=2, help="images in the drawn forward pass")
    p.add_argument("--formats", default="svg,png", help="comma-separated Graphviz formats")
    args = p.parse_args(argv)
    out = out_dir(args)

    tb.manual_seed(args.seed)
    model = MODELS[args.model]()
    x = tb.rand(args.batch_size, 1, 28, 28)
    t = tb.Tensor(np.arange(args.batch_size) % 10)
    loss = F.cross_entropy(model(x), t)
    params = dict(model.named_parameters())
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())

    views = {"full": {}, "modules": {"group_by_module": True},
             "collapsed": {"collapse_modules": True}}
    for view, kwargs in views.items():
        graph = tb.draw_graph(loss, params=params, **kwargs)
        write_graph(graph, out / f"{args.model}_graph_{view}", formats)


if __name__ == "__main__":
    main()
