"""The Transformer encoder (Vaswani et al., 2017): self-attention and a feedforward network, each
wrapped in a residual connection and a layer normalisation.

Post-norm (the paper's and PyTorch's default), or pre-norm with normalize_first=True:

    x = norm1(x + dropout(attention(x)))           x = x + dropout(attention(norm1(x)))
    x = norm2(x + dropout(feedforward(x)))         x = x + dropout(feedforward(norm2(x)))

    feedforward(x) = dropout(activation(x @ W1 + b1)) @ W2 + b2

The model width d_model is the input's last axis, found at the first call; each of the num_heads
attention heads gets d_model / num_heads features, as in PyTorch.

    >>> encoder = nn.TransformerEncoder(num_layers=2, num_heads=2, intermediate_dim=16)
    >>> encoder(dg.ones((3, 5, 8)), padding_mask=dg.ones((3, 5), dtype="bool")).shape
    (3, 5, 8)
"""

from deepgrad.engine.errors import ShapeError
from deepgrad.nn import activations
from deepgrad.nn.layers.attention import MultiHeadAttention
from deepgrad.nn.layers.core import Dense, Dropout
from deepgrad.nn.layers.normalization import LayerNorm
from deepgrad.nn.module import Module


class TransformerEncoderLayer(Module):
    """One encoder block: self-attention, then a feedforward network (see the module's docstring).

    Arguments: `num_heads`; `intermediate_dim`, the width of the feedforward's hidden layer;
    `dropout` (0.1), used after the attention, inside the feedforward, after it, and on the
    attention weights, as in PyTorch; `activation` ("relu"; "gelu" and any other name work);
    `epsilon` (1e-5) of the layer norms; `normalize_first` (False: post-norm).
    Call: `layer(x, padding_mask=None, attention_mask=None)` with x (batch, time, d_model) and the
    masks of `MultiHeadAttention` (True = may attend / is a real token).

    Sub-layers, and their PyTorch counterparts in torch.nn.TransformerEncoderLayer(batch_first=True):
    `self_attention` (self_attn, weights mapped as in MultiHeadAttention's docstring),
    `self_attention_norm` (norm1), `feedforward_intermediate` (linear1, its weight transposed),
    `feedforward_output` (linear2, transposed), `feedforward_norm` (norm2).

        >>> nn.TransformerEncoderLayer(num_heads=2, intermediate_dim=16)(dg.ones((3, 5, 8))).shape
        (3, 5, 8)
    """

    def __init__(self, num_heads, intermediate_dim, dropout=0.1, activation="relu", epsilon=1e-5,
                 normalize_first=False, name=None):
        super().__init__(name)
        for label, value in (("num_heads", num_heads), ("intermediate_dim", intermediate_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"TransformerEncoderLayer needs a positive integer {label}, got {value!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"TransformerEncoderLayer dropout must be in [0, 1), got {dropout!r}")
        self.num_heads, self.intermediate_dim, self.dropout = num_heads, intermediate_dim, dropout
        self.activation = activations.get(activation)
        self.epsilon, self.normalize_first = epsilon, normalize_first
        self.self_attention = self.self_attention_norm = None
        self.feedforward_intermediate = self.feedforward_output = self.feedforward_norm = None
        self.self_attention_dropout = Dropout(dropout, name=f"{self.name}_self_attention_dropout")
        self.intermediate_dropout = Dropout(dropout, name=f"{self.name}_intermediate_dropout")
        self.feedforward_dropout = Dropout(dropout, name=f"{self.name}_feedforward_dropout")

    def build(self, input_shape):
        if input_shape is None or len(input_shape) != 3:
            raise ShapeError(
                f"TransformerEncoderLayer '{self.name}' takes inputs of shape (batch, time, d_model), got "
                f"{None if input_shape is None else tuple(input_shape)}"
            )
        d_model = input_shape[-1]
        if d_model % self.num_heads:
            raise ShapeError(
                f"TransformerEncoderLayer '{self.name}' got d_model={d_model} features (the input's last axis), which "
                f"num_heads={self.num_heads} does not divide: each head gets d_model / num_heads features. Choose "
                f"num_heads among {[h for h in range(1, d_model + 1) if d_model % h == 0]}, or project the inputs to "
                f"a multiple of {self.num_heads} features first"
            )
        prefix = self.name
        self.self_attention = MultiHeadAttention(self.num_heads, d_model // self.num_heads, dropout=self.dropout,
                                                 name=f"{prefix}_self_attention")
        self.self_attention_norm = LayerNorm(self.epsilon, name=f"{prefix}_self_attention_norm")
        self.feedforward_intermediate = Dense(self.intermediate_dim, activation=self.activation,
                                              name=f"{prefix}_feedforward_intermediate")
        self.feedforward_output = Dense(d_model, name=f"{prefix}_feedforward_output")
        self.feedforward_norm = LayerNorm(self.epsilon, name=f"{prefix}_feedforward_norm")
        shape = tuple(input_shape)
        for layer, layer_shape in ((self.self_attention, shape), (self.self_attention_norm, shape),
                                   (self.feedforward_intermediate, shape), (self.feedforward_norm, shape),
                                   (self.feedforward_output, (*shape[:-1], self.intermediate_dim))):
            layer.device = self.device
            layer.training = self.training
            layer.build(layer_shape)

    def forward(self, x, padding_mask=None, attention_mask=None):
        d_model = self.feedforward_output.units
        if x.ndim != 3 or x.shape[-1] != d_model:
            raise ShapeError(
                f"TransformerEncoderLayer '{self.name}' was built for inputs (batch, time, {d_model}) but got shape "
                f"{tuple(x.shape)}"
            )
        attended = self.self_attention_norm(x) if self.normalize_first else x
        attended = self.self_attention(attended, attention_mask=attention_mask, padding_mask=padding_mask)
        x = x + self.self_attention_dropout(attended)
        if not self.normalize_first:
            x = self.self_attention_norm(x)
        fed = self.feedforward_norm(x) if self.normalize_first else x
        fed = self.feedforward_output(self.intermediate_dropout(self.feedforward_intermediate(fed)))
        x = x + self.feedforward_dropout(fed)
        return x if self.normalize_first else self.feedforward_norm(x)

    def get_config(self):
        return {
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "activation": activations.name_of(self.activation) or self.activation,
            "epsilon": self.epsilon,
            "normalize_first": self.normalize_first,
            "name": self.name,
        }


class TransformerEncoder(Module):
    """A stack of `num_layers` TransformerEncoderLayer blocks, in the list `layers`, all with the
    same settings (the other arguments are the layer's); the masks go to every block.

        >>> nn.TransformerEncoder(2, num_heads=4, intermediate_dim=32, dropout=0.0)(dg.ones((2, 7, 16))).shape
        (2, 7, 16)
    """

    def __init__(self, num_layers, num_heads, intermediate_dim, dropout=0.1, activation="relu", epsilon=1e-5,
                 normalize_first=False, name=None):
        super().__init__(name)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"TransformerEncoder needs a positive integer num_layers, got {num_layers!r}")
        self.num_layers = num_layers
        self.layers = [
            TransformerEncoderLayer(num_heads, intermediate_dim, dropout, activation, epsilon, normalize_first,
                                    name=f"{self.name}_layer_{i}")
            for i in range(num_layers)
        ]

    def build(self, input_shape):
        for layer in self.layers:
            layer.device = self.device
            layer.build(input_shape)

    def forward(self, x, padding_mask=None, attention_mask=None):
        for layer in self.layers:
            x = layer(x, padding_mask=padding_mask, attention_mask=attention_mask)
        return x

    def get_config(self):
        config = {"num_layers": self.num_layers, **self.layers[0].get_config()}
        config["name"] = self.name
        return config


__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]
