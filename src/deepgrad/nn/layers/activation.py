"""Activation functions as layers: nn.ReLU(), nn.Softmax(axis=-1), nn.Activation("swish")..."""

from deepgrad.nn import activations
from deepgrad.nn.module import Module


class Activation(Module):
    """Applies an activation function, given by name or as a callable.

        >>> nn.Activation("relu")(dg.tensor([-1.0, 1.0])).tolist()
        [0.0, 1.0]
    """

    def __init__(self, activation, name=None):
        super().__init__(name)
        self.activation = activations.get(activation)

    def forward(self, x):
        return self.activation(x)

    def get_config(self):
        return {"activation": activations.name_of(self.activation) or self.activation, "name": self.name}


class _Named(Module):
    """An activation layer whose function is fixed by its class."""

    function = None

    def forward(self, x):
        return type(self).function(x)


class ReLU(_Named):
    """max(x, 0)."""

    function = staticmethod(activations.relu)


class Tanh(_Named):
    """tanh(x)."""

    function = staticmethod(activations.tanh)


class Sigmoid(_Named):
    """1 / (1 + e^-x)."""

    function = staticmethod(activations.sigmoid)


class Swish(_Named):
    """x·sigmoid(x)."""

    function = staticmethod(activations.swish)


class Softmax(Module):
    """eˣ / Σeˣ over `axis`."""

    def __init__(self, axis=-1, name=None):
        super().__init__(name)
        self.axis = axis

    def forward(self, x):
        return activations.softmax(x, axis=self.axis)

    def get_config(self):
        return {"axis": self.axis, "name": self.name}


class GELU(Module):
    """x·Φ(x), exact (erf) or with the tanh approximation."""

    def __init__(self, approximate=False, name=None):
        super().__init__(name)
        self.approximate = approximate

    def forward(self, x):
        return activations.gelu(x, approximate=self.approximate)

    def get_config(self):
        return {"approximate": self.approximate, "name": self.name}


class LeakyReLU(Module):
    """x for x > 0, alpha·x otherwise (Keras's default alpha=0.3)."""

    def __init__(self, alpha=0.3, name=None):
        super().__init__(name)
        self.alpha = alpha

    def forward(self, x):
        return activations.leaky_relu(x, alpha=self.alpha)

    def get_config(self):
        return {"alpha": self.alpha, "name": self.name}


class ELU(Module):
    """x for x > 0, alpha·(eˣ - 1) otherwise."""

    def __init__(self, alpha=1.0, name=None):
        super().__init__(name)
        self.alpha = alpha

    def forward(self, x):
        return activations.elu(x, alpha=self.alpha)

    def get_config(self):
        return {"alpha": self.alpha, "name": self.name}
