"""Sequential: layers applied one after the other, the input layer's output feeding the next."""

from deepgrad.nn.module import Module, call_on_dummy_batch, deserialize


class Sequential(Module):
    """A stack of layers: `Sequential([nn.Dense(128, activation="relu"), nn.Dense(10)])` or
    `Sequential(layer1, layer2)`. Index it like a list; `add` appends a layer.

        >>> model = nn.Sequential([nn.Dense(8, activation="relu"), nn.Dense(1)])
        >>> model(dg.ones((4, 3))).shape
        (4, 1)
    """

    def __init__(self, layers=None, *more_layers, name=None):
        super().__init__(name)
        if isinstance(layers, Module):
            layers = [layers, *more_layers]
        elif more_layers:
            raise TypeError("give Sequential either a list of layers or the layers as arguments, not both")
        self.layers = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.add takes a layer (an nn.Module), got {type(layer).__name__}")
        self.layers.append(layer)
        self.built = False  # a new layer needs building

    def _members(self):
        for i, layer in enumerate(self.layers):  # keys "0.weight", "1.bias"... as in PyTorch
            yield str(i), layer

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def build(self, input_shape):
        """Make every layer's weights by passing a batch of one zero sample through the stack.

        `input_shape` includes the batch axis, which may be None: `model.build((None, 784))`.
        """
        if input_shape is None or all(layer.built for layer in self.layers):
            return
        first = self.layers[0]  # its input_dtype: features, or ids for an Embedding
        call_on_dummy_batch(self, input_shape, layers=self.layers, dtype=first.input_dtype)

    def __call__(self, x):
        if not self.built:  # its layers build themselves on the real input: no dummy batch needed
            self.device, self.input_shape, self.built = x.device, (None, *x.shape[1:]), True
        return super().__call__(x)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def get_config(self):
        return {"layers": [layer.serialize() for layer in self.layers], "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls([deserialize(spec) for spec in config.pop("layers")], **config)
