"""The handle a Module's hook registration returns."""


class RemovableHandle:
    """Returned by ``register_forward_hook`` and ``register_forward_pre_hook``; ``remove()``
    unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
