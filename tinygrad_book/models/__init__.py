"""The book's networks as Modules: ``MLP``, ``SimpleConvNet``, ``DeepConvNet``, plus
``LeNet5`` and a small ``AlexNet``; ``load_book_params`` brings weights trained with
the book's own code. Beyond chapter 7: ``ResNet18`` and a small ``VGG`` (chapter 8).

    from tinygrad_book.models import SimpleConvNet
    model = SimpleConvNet()                     # the book's defaults: 1x28x28 -> 10
"""
from .book_params import RestrictedUnpickler, load_book_params, read_book_params
from .classic import AlexNet, LeNet5
from .convnets import DeepConvNet, SimpleConvNet
from .mlp import MLP
from .resnet import VGG, BasicBlock, ResNet18

__all__ = ["MLP", "SimpleConvNet", "DeepConvNet", "LeNet5", "AlexNet", "load_book_params",
           "read_book_params", "RestrictedUnpickler", "ResNet18", "BasicBlock", "VGG"]
