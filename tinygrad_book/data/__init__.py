"""Data: MNIST (full download or the shipped offline sample), datasets and DataLoader.

    from tinygrad_book.data import load_mnist, TensorDataset, DataLoader

    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
    loader = DataLoader(TensorDataset(x_train, t_train), batch_size=100, shuffle=True)
    for x, t in loader:          # x: Tensor (100, 1, 28, 28), t: Tensor (100,)
        ...
"""
from .dataloader import DataLoader
from .datasets import Dataset, Subset, TensorDataset, random_split, train_val_split
from .mnist import MNIST, load_mnist

__all__ = ["load_mnist", "MNIST", "Dataset", "TensorDataset", "Subset", "random_split",
           "train_val_split", "DataLoader"]
