"""``.. tb-api:: tinygrad_book.nn``: document every public name of a namespace.

The list is computed when the docs are built, so a name added to the library
appears in the reference without editing the docs; ``tests/docs/`` checks the
built inventory against the same list.
"""
import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

#: The namespaces the reference covers, in the order of the API pages.
NAMESPACES = ("tinygrad_book", "tinygrad_book.nn", "tinygrad_book.nn.functional",
              "tinygrad_book.nn.init", "tinygrad_book.nn.utils", "tinygrad_book.optim",
              "tinygrad_book.optim.lr_scheduler", "tinygrad_book.testing")


def public_names(module_name):
    """The public names of a namespace, sorted: its ``__all__``; without one,
    every attribute not starting with ``_`` that the namespace (or a module
    inside it) defines, so that a helper it merely imports, such as ``Tensor``
    in ``nn.init``, is documented only where it belongs."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")
                 and _defined_in(getattr(module, n), module_name)]
    return sorted(n for n in names if not inspect.ismodule(getattr(module, n)))


def _defined_in(obj, module_name):
    home = getattr(obj, "__module__", None)
    return home is None or home == module_name or home.startswith(module_name + ".")


def _directive(module_name, name):
    obj = getattr(importlib.import_module(module_name), name)
    if inspect.isclass(obj):
        return [f".. autoclass:: {module_name}.{name}", "   :members:", "   :show-inheritance:"]
    if callable(obj):
        return [f".. autofunction:: {module_name}.{name}"]
    return [f".. py:data:: {module_name}.{name}", "", f"   ``{obj!r}``"]


class PublicAPI(SphinxDirective):
    """Expands to one autodoc entry per public name of the module given as argument."""

    required_arguments = 1

    def run(self):
        module_name = self.arguments[0]
        lines = [f".. py:module:: {module_name}", ""]
        for name in public_names(module_name):
            lines += _directive(module_name, name) + [""]
        container = nodes.section()
        self.state.nested_parse(StringList(lines, source=f"<tb-api {module_name}>"),
                                self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("tb-api", PublicAPI)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
