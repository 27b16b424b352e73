"""Losses and initialisers by name, class, config or callable; and the settings they share."""


class Configurable:
    """An object made from keyword settings: `get_config()` returns them, `from_config` makes an
    equal object from them, and the repr shows them."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def lookup(identifier, kind, functions, classes, base, hint):
    """The `kind` ("loss", "initializer") that `identifier` names.

    A function name in `functions` gives the function; a class name in `classes` (or the class)
    gives an instance with default settings; `{"class_name": ..., "config": {...}}` gives the
    configured instance; a callable is returned as it is; None gives None, as in Keras.
    """
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict) and identifier.get("class_name") in classes:
        return classes[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier in functions:
            return functions[identifier]
        if identifier in classes:
            return classes[identifier]()
    raise ValueError(f"unknown {kind} {identifier!r}; use one of {sorted(functions)}, {hint}")
