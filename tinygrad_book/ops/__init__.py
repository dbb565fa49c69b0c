"""The ops, grouped by kind: each ``Function`` and, right after it, its front.

Importing this package imports every kind below, and with them their
``@tensor_method`` registrations; ``tensor.py`` imports it before it builds
the class, so ``Tensor`` has all the methods when it is registered.

How to add an op
----------------
1. Pick the module of its kind (``elementwise``, ``maths``, ``activation``, ``unary_math``,
   ``binary_math``, ``rounding``, ``logic``, ``reduce``, ``scan``, ``sorting``,
   ``norms``, ``shape``, ``reorder``, ``subscript``, ``indexing``, ``join``,
   ``select``, ``casts``, ``matmul``, ``linalg``, ``inplace``) or make a new
   ``ops/<kind>.py`` and import it at the bottom of this file. An op module
   imports from ``..autograd``, ``..registry``, ``..grad_mode``, ``.operands``
   and ``.front`` (argument checks: ``dim_arg``, ``pick``, ``keep``...), or other
   op modules that do not import it back — never from ``..tensor``.
2. Write the ``Function``: ``forward(ctx, *arrays)`` on ``np.ndarray``\\ s,
   ``backward(ctx, *grads)`` with Tensor ops (so ``create_graph=True`` can
   differentiate it again), the derivative in the docstring::

       class Cube(Function):
           "z = a³;  dz/da = 3a²  (the derivative in the docstring)."

           @staticmethod
           def forward(ctx, a):
               ctx.save_for_backward(a)
               return a ** 3

           @staticmethod
           def backward(ctx, g):
               (a,) = ctx.saved_tensors
               return g * 3 * a * a

   A two-input op whose forward is one NumPy ufunc says only that and its
   derivative: derive from ``elementwise.SavesInputs``, set ``ufunc =
   np.arctan2`` and write the formula once as ``grads(needs, g, a, b)``; in
   plain arithmetic, it serves as both ``backward`` and ``array_backward``
   (see ``Mul``, ``Atan2``, ``MatMul``). ``SavesOutput`` saves z as well, for a
   formula on Tensors only (``Pow``, ``LogAddExp``).

3. Right after it, the front: check the arguments (errors name the op, the
   argument, what it got and what was expected), then ``Cube.apply(...)``.
   Decorate it to make it a Tensor method as well::

       @tensor_method                    # Tensor.cube; or @tensor_method("cube", "__xor__")
       def cube(self):
           return Cube.apply(floating(self))

   A name registered twice raises at import, so two ops never silently claim
   one method. A plain module function (``tb.cat``) needs no decorator; export
   it from ``tinygrad_book/__init__.py``.
4. Need the Tensor class in an op module (``isinstance``, a constant)? Use
   ``registry.Tensor`` and ``registry.constant(array)`` (an untracked tensor
   around ``array``), never ``import tensor``.
5. Test it in ``tests/tinygrad_book/``: gradcheck and gradgradcheck over
   several shapes, and parity with PyTorch where it has the op.
"""
from . import (  # noqa: F401
               activation,
               binary_math,
               casts,
               combine,
               elementwise,
               indexing,
               inplace,
               join,
               linalg,
               logic,
               maths,
               matmul,
               norms,
               reduce,
               reductions,
               reorder,
               rounding,
               scan,
               select,
               shape,
               sorting,
               subscript,
               unary_math,
)
