"""The book's fully connected networks: ``MultiLayerNet`` and ``MultiLayerNetExtend``."""
from .. import checks, nn
from . import _common


class MLP(nn.Module):
    """The book's MultiLayerNet(Extend) (chapters 6.1-6.4) as a Module.

    Each hidden layer i is ``fc{i}`` (Linear) → ``bn{i}`` (BatchNorm1d, if
    ``use_batchnorm``) → ``act{i}`` → ``dropout{i}`` (if ``use_dropout``);
    the last Linear ``fc{n}`` gives the class scores (apply
    ``CrossEntropyLoss``, the book's SoftmaxWithLoss, outside).

    Args:
        input_size: features per sample (784 for MNIST); inputs of more
            dimensions (e.g. ``(N, 1, 28, 28)``) are flattened.
        hidden_size_list: units per hidden layer, e.g. ``[100, 100, 100]``.
        output_size: number of classes.
        activation: 'relu', 'sigmoid' or 'tanh'.
        weight_init_std: 'relu'/'he' (std sqrt(2/n)), 'sigmoid'/'xavier'
            (std sqrt(1/n)), or a number (e.g. 0.01), as the book's; n is the
            previous layer's width. Biases start at zero.
        use_batchnorm, use_dropout, dropout_ratio: as the book's Extend net.

    The book's ``weight_decay_lambda`` belongs to the optimizer here
    (``optim.SGD(..., weight_decay=lambda)`` adds λW to each gradient, which is
    the gradient of the book's ½λ‖W‖² penalty).
    Shapes: input ``(N, input_size)``, output ``(N, output_size)``.
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", use_batchnorm=False, use_dropout=False,
                 dropout_ratio=0.5):
        super().__init__()
        sizes = [input_size] + list(hidden_size_list) + [output_size]
        for i, s in enumerate(sizes):
            checks.integer(s, "input_size" if i == 0 else
                                 "output_size" if i == len(sizes) - 1 else
                                 f"hidden_size_list[{i - 1}]", "MLP", minimum=1)
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list = list(hidden_size_list)
        self.use_batchnorm, self.use_dropout = bool(use_batchnorm), bool(use_dropout)
        self.dropout_ratio = dropout_ratio
        self.flatten = nn.Flatten()
        n_layers = len(sizes) - 1
        for i in range(1, n_layers + 1):
            fc = nn.Linear(sizes[i - 1], sizes[i])
            _common.book_init_(fc, _common.book_std(weight_init_std, sizes[i - 1], "MLP"))
            setattr(self, f"fc{i}", fc)
            if i == n_layers:
                break
            if self.use_batchnorm:
                setattr(self, f"bn{i}", nn.BatchNorm1d(sizes[i]))
            setattr(self, f"act{i}", _common.activation(activation, "MLP"))
            if self.use_dropout:
                setattr(self, f"dropout{i}", nn.Dropout(dropout_ratio))
        self.num_layers = n_layers

    def forward(self, x):
        x = self.flatten(x)
        for module in list(self._modules.values())[1:]:
            x = module(x)
        return x
