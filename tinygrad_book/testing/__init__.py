"""Gradient-check testing for your own ops and layers, in one line each.

    from tinygrad_book.testing import (assert_close, assert_gradcheck,
                                       assert_module_gradcheck, gradcheck_property)

    def test_my_op():                     # one input you pick
        assert_gradcheck(lambda x, w: my_op(x, w), (2, 3), (3,))

    def test_my_op_everywhere():          # inputs Hypothesis searches, shrunk on failure
        gradcheck_property(my_op, strategies.broadcastable_shapes(2))

    def test_my_layer():                  # inputs and every parameter of a Module
        assert_module_gradcheck(MyLayer(3, 2), (4, 3))

``strategies`` (shapes, broadcastable_shapes, tensors, axes) and
``gradcheck_property`` need Hypothesis (``pip install "tinygrad-book[testing]"``);
the rest works without it. Installing the package also installs a pytest plugin
(``tinygrad_book.testing.pytest_plugin``): a ``gradcheck`` fixture and the
``--gradcheck-examples N`` option; ``-p no:tinygrad_book`` switches it off.
"""
from . import strategies
from .assertions import assert_close, assert_gradcheck, make_inputs
from .modules import assert_module_gradcheck
from .properties import gradcheck_property

__all__ = ["assert_close", "assert_gradcheck", "assert_module_gradcheck", "gradcheck_property",
           "make_inputs", "strategies"]
