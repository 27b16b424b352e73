"""Sequence models: text classifiers over token ids, and a recurrent forecaster for time series.

The text classifiers take int64 token ids (batch, time) as `deepgrad.data.text.TextVectorization`
makes them, id 0 being padding: they embed the ids, read them with an LSTM or a Transformer
encoder that skips the padding (`mask = ids != 0`), pool over time and end in Dense(classes), which
outputs logits (train with `SparseCategoricalCrossentropy(from_logits=True)`).

    >>> import deepgrad as dg
    >>> model = text_lstm_classifier(vocabulary_size=100, classes=3)
    >>> model(dg.tensor([[5, 7, 9, 0, 0], [4, 0, 0, 0, 0]])).shape
    (2, 3)
"""

from deepgrad.engine import ops
from deepgrad.engine.autograd import no_grad
from deepgrad.engine.creation import zeros
from deepgrad.engine.tensor import Tensor
from deepgrad.nn.layers.core import Dense, Dropout, Embedding
from deepgrad.nn.layers.position import TokenAndPositionEmbedding
from deepgrad.nn.layers.recurrent import LSTM, Bidirectional
from deepgrad.nn.layers.sequential import Sequential
from deepgrad.nn.layers.transformer import TransformerEncoder
from deepgrad.nn.module import Module

POOLINGS = ("max", "mean", "last")


def masked_pool(outputs, mask, pooling):
    """Pool `outputs` (batch, time, features) over time, at the steps where `mask` (batch, time) is True.

    "max": the largest value of each feature over the real steps; "mean": their average. A row
    without a real step pools to zeros (not -inf, not NaN).

        >>> import deepgrad as dg
        >>> h = dg.tensor([[[1.0], [3.0], [9.0]]])
        >>> mask = dg.tensor([[True, True, False]])
        >>> masked_pool(h, mask, "max").tolist(), masked_pool(h, mask, "mean").tolist()
        ([[3.0]], [[2.0]])
    """
    keep = mask.astype(outputs.dtype)[:, :, None]  # (batch, time, 1)
    count = keep.sum(axis=1)  # (batch, 1)
    if pooling == "max":
        # Padded steps move far below any real value, so they never win the max.
        pooled = (outputs + (keep - 1) * 1e9).max(axis=1)
        return pooled * (count > 0).astype(outputs.dtype)
    return (outputs * keep).sum(axis=1) / ops.maximum(count, 1.0)


def _as_ids(ids):
    return ids if isinstance(ids, Tensor) else Tensor(ids)


class _TextClassifier(Module):
    """What the text classifiers share: integer inputs, and a build that makes every weight."""

    input_dtype = "int64"

    def build(self, input_shape):
        """Make the weights by passing one all-padding row of input_shape[1] ids through the model, as
        Sequential.build does: `deepgrad.load` builds a model from its config before loading weights."""
        if input_shape is None:
            return
        modes = [module.training for module in self.modules()]
        self.eval()  # no dropout on the dummy row
        try:
            with no_grad():
                self.forward(zeros((1, *input_shape[1:]), dtype="int64", device=self.device))
        finally:
            for module, mode in zip(self.modules(), modes):
                module.training = mode


class TextLSTMClassifier(_TextClassifier):
    """Embedding - Dropout - LSTM (or Bidirectional LSTM) - pooling over time - Dropout - Dense(classes).

    The LSTM reads the ids' embeddings with mask `ids != 0`, so padding changes neither its state
    nor the pooling. Arguments (see `text_lstm_classifier`): vocabulary_size, classes,
    embedding_dim, units, bidirectional, pooling, dropout, mask_zero.
    """

    def __init__(self, vocabulary_size, classes, embedding_dim=64, units=32, bidirectional=True, pooling="max",
                 dropout=0.3, mask_zero=True, name=None):
        super().__init__(name)
        if pooling not in POOLINGS:
            raise ValueError(f"TextLSTMClassifier's pooling must be one of {POOLINGS}, got {pooling!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"TextLSTMClassifier's dropout must be in [0, 1), got {dropout!r}")
        self.vocabulary_size, self.classes, self.embedding_dim, self.units = vocabulary_size, classes, \
            embedding_dim, units
        self.bidirectional, self.pooling, self.dropout_rate, self.mask_zero = bidirectional, pooling, dropout, \
            mask_zero
        self.embedding = Embedding(vocabulary_size, embedding_dim)
        self.embedding_dropout = Dropout(dropout)
        lstm = LSTM(units, return_sequences=pooling != "last")
        self.lstm = Bidirectional(lstm) if bidirectional else lstm
        self.dropout = Dropout(dropout)
        self.head = Dense(classes)

    def forward(self, ids):
        ids = _as_ids(ids)
        mask = ids != 0 if self.mask_zero else None
        outputs = self.lstm(self.embedding_dropout(self.embedding(ids)), mask=mask)
        if self.pooling != "last":
            outputs = masked_pool(outputs, mask if mask is not None else ids == ids, self.pooling)
        return self.head(self.dropout(outputs))

    def get_config(self):
        return {"vocabulary_size": self.vocabulary_size, "classes": self.classes,
                "embedding_dim": self.embedding_dim, "units": self.units, "bidirectional": self.bidirectional,
                "pooling": self.pooling, "dropout": self.dropout_rate, "mask_zero": self.mask_zero,
                "name": self.name}


class TextTransformerClassifier(_TextClassifier):
    """TokenAndPositionEmbedding - TransformerEncoder - masked mean pooling - Dropout - Dense(classes).

    Attention skips the padding (padding_mask = ids != 0), and so does the pooling. Sequences may
    be at most `sequence_length` ids long (the learned position vectors). Arguments: see
    `text_transformer_classifier`.
    """

    def __init__(self, vocabulary_size, classes, sequence_length, embedding_dim=64, num_heads=4,
                 intermediate_dim=128, num_layers=1, dropout=0.1, name=None):
        super().__init__(name)
        self.vocabulary_size, self.classes, self.sequence_length = vocabulary_size, classes, sequence_length
        self.embedding_dim, self.num_heads, self.intermediate_dim = embedding_dim, num_heads, intermediate_dim
        self.num_layers, self.dropout_rate = num_layers, dropout
        self.embedding = TokenAndPositionEmbedding(vocabulary_size, sequence_length, embedding_dim)
        self.encoder = TransformerEncoder(num_layers, num_heads, intermediate_dim, dropout=dropout)
        self.dropout = Dropout(dropout)
        self.head = Dense(classes)

    def forward(self, ids):
        ids = _as_ids(ids)
        mask = ids != 0
        outputs = self.encoder(self.embedding(ids), padding_mask=mask)
        return self.head(self.dropout(masked_pool(outputs, mask, "mean")))

    def get_config(self):
        return {"vocabulary_size": self.vocabulary_size, "classes": self.classes,
                "sequence_length": self.sequence_length, "embedding_dim": self.embedding_dim,
                "num_heads": self.num_heads, "intermediate_dim": self.intermediate_dim,
                "num_layers": self.num_layers, "dropout": self.dropout_rate, "name": self.name}


def text_lstm_classifier(vocabulary_size, classes, embedding_dim=64, units=32, bidirectional=True, pooling="max",
                         dropout=0.3, mask_zero=True):
    """A recurrent text classifier on token ids (batch, time), id 0 being padding; outputs logits.

    Arguments:
        vocabulary_size: the ids run 0..vocabulary_size - 1 (`TextVectorization.vocabulary_size()`).
        classes: outputs of the final Dense (logits).
        embedding_dim (64): the width of each token's vector.
        units (32): LSTM units (per direction).
        bidirectional (True): read the text both ways (Bidirectional, outputs concatenated).
        pooling ("max"): "max" or "mean" over the LSTM's outputs at the real tokens, or "last":
            its final state (with bidirectional, both directions' final states).
        dropout (0.3): the rate of the Dropout on the embeddings and on the pooled features
            before the final Dense (with 1,700 news articles, a model without it learns the
            training set by heart in 3 epochs and stops improving on new articles).
        mask_zero (True): skip id 0 (padding), as Keras's `Embedding(mask_zero=True)` does.

        >>> import deepgrad as dg
        >>> text_lstm_classifier(50, classes=4, pooling="last")(dg.tensor([[1, 2, 3]])).shape
        (1, 4)
    """
    return TextLSTMClassifier(vocabulary_size, classes, embedding_dim, units, bidirectional, pooling, dropout,
                              mask_zero)


def text_transformer_classifier(vocabulary_size, classes, sequence_length, embedding_dim=64, num_heads=4,
                                intermediate_dim=128, num_layers=1, dropout=0.1):
    """A Transformer-encoder text classifier on token ids (batch, time), id 0 being padding; outputs logits.

    Arguments:
        vocabulary_size: the ids run 0..vocabulary_size - 1.
        classes: outputs of the final Dense (logits).
        sequence_length: the longest input (one learned position vector per position).
        embedding_dim (64): the model width d_model; each of the num_heads (4) heads gets
            embedding_dim / num_heads features.
        intermediate_dim (128): the hidden width of each block's feedforward network.
        num_layers (1): encoder blocks.
        dropout (0.1): in the encoder blocks (see nn.TransformerEncoderLayer) and before the Dense.

        >>> import deepgrad as dg
        >>> text_transformer_classifier(50, classes=4, sequence_length=8)(dg.tensor([[1, 2, 3, 0]])).shape
        (1, 4)
    """
    return TextTransformerClassifier(vocabulary_size, classes, sequence_length, embedding_dim, num_heads,
                                     intermediate_dim, num_layers, dropout)


def lstm_forecaster(units=64, outputs=1, layers=1):
    """An LSTM that reads a window (batch, window, features) and forecasts `outputs` values.

    `layers` (1) LSTMs of `units` (64) units are stacked (all but the last return their sequences)
    and a Dense(outputs) reads the last one's final state. Pair it with `make_windows`.

        >>> import deepgrad as dg
        >>> lstm_forecaster(units=8, layers=2)(dg.zeros((4, 12, 1))).shape
        (4, 1)
    """
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise ValueError(f"lstm_forecaster needs a positive integer number of layers, got {layers!r}")
    stack = [LSTM(units, return_sequences=i < layers - 1) for i in range(layers)]
    return Sequential([*stack, Dense(outputs)])
