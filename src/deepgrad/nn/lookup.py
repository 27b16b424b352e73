"""Finding a loss or an initialiser from what a user wrote: a name, a class, a config or a callable."""


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
