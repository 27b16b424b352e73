"""The base of objects rebuilt from their settings (losses, initialisers)."""


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
