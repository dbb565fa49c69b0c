"""The core math ops, each a ``Function``, grouped by kind."""
