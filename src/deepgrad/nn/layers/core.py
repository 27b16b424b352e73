"""The core layers: Dense, Dropout, Flatten, Reshape, Identity, Embedding."""

from deepgrad.engine import backend, ops
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.random import generator
from deepgrad.engine.tensor import Tensor
from deepgrad.nn import activations
from deepgrad.nn.module import Module


class Dense(Module):
    """A fully connected layer: y = activation(x @ weight + bias) over the last axis.

    Every one of the `units` neurons sees every input feature. `weight` has shape
    (input features, units) and is made at the first call, from the input's last axis.

        >>> layer = nn.Dense(3, activation="relu")
        >>> layer(dg.ones((2, 5))).shape
        (2, 3)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", name=None):
        super().__init__(name)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense needs a positive integer number of units, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.weight = self.bias = None

    def build(self, input_shape):
        if not input_shape:
            raise ShapeError(f"Dense '{self.name}' needs inputs with a feature axis, got shape {input_shape}")
        self.weight = self.add_weight((input_shape[-1], self.units), self.kernel_initializer)
        if self.use_bias:
            self.bias = self.add_weight((self.units,), self.bias_initializer)

    def forward(self, x):
        features = self.weight.shape[0]
        if x.ndim == 0 or x.shape[-1] != features:
            hint = "; add a Flatten layer before it" if x.ndim > 2 else ""
            raise ShapeError(
                f"Dense '{self.name}' expected {features} input features but got an input of shape "
                f"{tuple(x.shape)}{hint}"
            )
        y = x @ self.weight
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {
            "units": self.units,
            "activation": activations.name_of(self.activation) or self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "name": self.name,
        }


class Dropout(Module):
    """Sets a random fraction `rate` of its inputs to 0 during training, and scales the rest
    by 1 / (1 - rate) so that the expected sum is unchanged; does nothing in eval mode.

        >>> nn.Dropout(0.5).eval()(dg.ones(4)).tolist()
        [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, rate, name=None):
        super().__init__(name)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate!r}")
        self.rate = rate

    def forward(self, x):
        if not self.training or self.rate == 0:
            return x
        keep = generator().random(x.shape, dtype="float32") >= self.rate
        scale = backend.to_device((keep / (1 - self.rate)).astype(x.dtype), x.device)
        return x * Tensor(scale)

    def get_config(self):
        return {"rate": self.rate, "name": self.name}


class Flatten(Module):
    """Flattens each sample to one axis: (batch, d1, d2, ...) -> (batch, d1·d2·...)."""

    def forward(self, x):
        if x.ndim == 0:
            raise ShapeError(f"Flatten '{self.name}' needs a batch axis, got a 0-d tensor")
        return ops.reshape(x, x.shape[0], -1)


class Reshape(Module):
    """Gives each sample the shape `target_shape` (the batch axis is kept), as Keras's Reshape.

        >>> nn.Reshape((2, 3))(dg.ones((4, 6))).shape
        (4, 2, 3)
    """

    def __init__(self, target_shape, name=None):
        super().__init__(name)
        self.target_shape = tuple(target_shape)

    def forward(self, x):
        try:
            return ops.reshape(x, (x.shape[0], *self.target_shape))
        except ShapeError:
            raise ShapeError(
                f"Reshape '{self.name}' cannot give samples of shape {tuple(x.shape[1:])} the shape "
                f"{self.target_shape}: the number of elements differs"
            ) from None

    def get_config(self):
        return {"target_shape": self.target_shape, "name": self.name}


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for an optional block)."""

    def forward(self, x):
        return x


class Embedding(Module):
    """Turns integer ids into dense vectors: row i of `weight` (input_dim, output_dim) is the
    vector of id i. Inputs of shape (batch, ...) give outputs (batch, ..., output_dim).

        >>> nn.Embedding(10, 4)(dg.tensor([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    input_dtype = "int64"

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", name=None):
        super().__init__(name)
        for label, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Embedding needs a positive integer {label}, got {value!r}")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = embeddings_initializer
        self.weight = None

    def build(self, input_shape):
        self.weight = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer)

    def forward(self, ids):
        ids = ids.data if isinstance(ids, Tensor) else backend.array_module(self.weight.data).asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding '{self.name}' needs integer ids, got dtype {ids.dtype}; convert with astype")
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= self.input_dim):
            bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
            raise IndexError(
                f"Embedding '{self.name}' got id {bad}, outside [0, {self.input_dim}); raise input_dim or "
                f"map unknown tokens to a reserved id"
            )
        return self.weight[ids]

    def get_config(self):
        return {"input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": self.embeddings_initializer, "name": self.name}
