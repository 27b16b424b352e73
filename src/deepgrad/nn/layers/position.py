"""Position information for attention, which by itself ignores the order of its inputs.

- `PositionEmbedding(sequence_length)`: a learned vector per position (keras_nlp's);
- `SinusoidalPositionEncoding()`: fixed sines and cosines (Vaswani et al., 2017; keras_nlp's
  SinePositionEncoding);
- `TokenAndPositionEmbedding(vocabulary_size, sequence_length, embedding_dim)`: token ids to
  vectors, plus a learned vector per position.

The first two follow keras_nlp: they return the position vectors, broadcast to the shape of their
input (..., time, features), and leave the adding to you:

    >>> x = dg.ones((2, 5, 8))
    >>> (x + nn.SinusoidalPositionEncoding()(x)).shape
    (2, 5, 8)
"""

import math

from deepgrad.engine import backend, ops
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.tensor import Tensor
from deepgrad.nn.layers.core import Embedding
from deepgrad.nn.module import Module


def _positive_ints(owner, **values):
    for label, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{owner} needs a positive integer {label}, got {value!r}")


def _check_sequence(layer, x):
    """The (time, features) of `x`, checking that it has them."""
    if not isinstance(x, Tensor) or x.ndim < 2:
        shape = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
        raise ShapeError(f"{type(layer).__name__} '{layer.name}' takes inputs of shape (batch, time, features), "
                         f"got {shape}")
    return x.shape[-2], x.shape[-1]


class PositionEmbedding(Module):
    """A learned vector for each of `sequence_length` positions, returned broadcast to the input.

    `weight` (sequence_length, features), features being the input's last axis; glorot_uniform at
    first, as in keras_nlp. For inputs (batch, time, features) the output is weight[:time]
    repeated over the batch; `start_index` (a call argument) shifts the positions, e.g. when
    decoding one step at a time.

        >>> x = dg.zeros((2, 3, 4))
        >>> nn.PositionEmbedding(10)(x).shape
        (2, 3, 4)
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", name=None):
        super().__init__(name)
        _positive_ints("PositionEmbedding", sequence_length=sequence_length)
        self.sequence_length, self.initializer = sequence_length, initializer
        self.weight = None

    def build(self, input_shape):
        if input_shape is None or len(input_shape) < 2:
            raise ShapeError(f"PositionEmbedding '{self.name}' takes inputs of shape (batch, time, features), "
                             f"got {input_shape}")
        self.weight = self.add_weight((self.sequence_length, input_shape[-1]), self.initializer)

    def forward(self, x, start_index=0):
        steps, features = _check_sequence(self, x)
        if start_index + steps > self.sequence_length:
            raise ShapeError(
                f"PositionEmbedding '{self.name}' has {self.sequence_length} positions (sequence_length) but got an "
                f"input of shape {tuple(x.shape)} starting at position {start_index}; make sequence_length at least "
                f"{start_index + steps}, or cut the inputs"
            )
        if features != self.weight.shape[1]:
            raise ShapeError(
                f"PositionEmbedding '{self.name}' was built for {self.weight.shape[1]} features but got an input of "
                f"shape {tuple(x.shape)}"
            )
        return ops.broadcast_to(self.weight[start_index : start_index + steps], tuple(x.shape))

    def get_config(self):
        return {"sequence_length": self.sequence_length, "initializer": self.initializer, "name": self.name}


class SinusoidalPositionEncoding(Module):
    """The fixed position encoding of "Attention is all you need", broadcast to the input's shape:

        PE[pos, 2i] = sin(pos / max_wavelength^(2i/d)),   PE[pos, 2i+1] = cos(pos / max_wavelength^(2i/d))

    for inputs (..., time, d), pos = start_index, ..., start_index + time - 1. It has no weights
    and carries no gradient. max_wavelength defaults to 10000, as in the paper and keras_nlp.

        >>> pe = nn.SinusoidalPositionEncoding()(dg.zeros((1, 2, 4)))
        >>> [round(v, 3) for v in pe[0, 1].tolist()]
        [0.841, 0.54, 0.01, 1.0]
    """

    def __init__(self, max_wavelength=10000, name=None):
        super().__init__(name)
        if not max_wavelength > 0:
            raise ValueError(f"SinusoidalPositionEncoding needs a positive max_wavelength, got {max_wavelength!r}")
        self.max_wavelength = max_wavelength

    def forward(self, x, start_index=0):
        steps, features = _check_sequence(self, x)
        xp = backend.array_module(x.data)
        positions = xp.arange(start_index, start_index + steps, dtype="float64")[:, None]
        pairs = xp.arange(features) // 2 * 2  # 0, 0, 2, 2, 4, 4...: sin and cos share a frequency
        angles = positions * xp.exp(-math.log(self.max_wavelength) * pairs / features)
        encoding = xp.where(xp.arange(features) % 2 == 0, xp.sin(angles), xp.cos(angles))
        dtype = x.dtype if x.dtype.kind == "f" else "float32"
        return Tensor(xp.broadcast_to(encoding.astype(dtype), tuple(x.shape)))

    def get_config(self):
        return {"max_wavelength": self.max_wavelength, "name": self.name}


class TokenAndPositionEmbedding(Module):
    """Token ids to vectors plus a learned vector for each position, as keras_nlp's layer:

        y[b, t] = token_embedding.weight[ids[b, t]] + position_embedding.weight[t]

    Takes integer ids (batch, time) with time <= sequence_length; returns (batch, time, embedding_dim).

        >>> nn.TokenAndPositionEmbedding(100, 16, 8)(dg.tensor([[1, 2, 3]])).shape
        (1, 3, 8)
    """

    input_dtype = "int64"

    def __init__(self, vocabulary_size, sequence_length, embedding_dim, embeddings_initializer="uniform", name=None):
        super().__init__(name)
        _positive_ints("TokenAndPositionEmbedding", vocabulary_size=vocabulary_size, sequence_length=sequence_length,
                       embedding_dim=embedding_dim)
        self.vocabulary_size, self.sequence_length = vocabulary_size, sequence_length
        self.embedding_dim, self.embeddings_initializer = embedding_dim, embeddings_initializer
        self.token_embedding = Embedding(vocabulary_size, embedding_dim, embeddings_initializer,
                                         name=f"{self.name}_token_embedding")
        self.position_embedding = PositionEmbedding(sequence_length, name=f"{self.name}_position_embedding")

    def build(self, input_shape):  # the sizes are all in the config: input_shape is not needed
        for layer in (self.token_embedding, self.position_embedding):
            layer.device = self.device
            layer.build((1, self.sequence_length, self.embedding_dim))

    def forward(self, ids):
        tokens = self.token_embedding(ids)
        return tokens + self.position_embedding(tokens)

    def get_config(self):
        return {"vocabulary_size": self.vocabulary_size, "sequence_length": self.sequence_length,
                "embedding_dim": self.embedding_dim, "embeddings_initializer": self.embeddings_initializer,
                "name": self.name}


__all__ = ["PositionEmbedding", "SinusoidalPositionEncoding", "TokenAndPositionEmbedding"]
