"""Sequence models: text classification on token ids and time-series forecasting.

Text becomes token ids with `deepgrad.data.text.TextVectorization`; a time series becomes
(window, next value) samples with `make_windows`.

- `text_lstm_classifier(vocabulary_size, classes)`: Embedding - (Bidirectional) LSTM - pooling - Dense;
- `text_transformer_classifier(vocabulary_size, classes, sequence_length)`: token and position
  embeddings - Transformer encoder - mean pooling - Dense;
- `lstm_forecaster()`: LSTM - Dense, one step ahead.

    >>> import deepgrad as dg
    >>> from deepgrad import sequence
    >>> x, y = sequence.make_windows([0.0, 1.0, 0.0, -1.0, 0.0, 1.0], window=4)
    >>> x.shape, sequence.lstm_forecaster(units=4)(dg.tensor(x)).shape
    ((2, 4, 1), (2, 1))
"""

from deepgrad.sequence.models import (
    TextLSTMClassifier,
    TextTransformerClassifier,
    lstm_forecaster,
    masked_pool,
    text_lstm_classifier,
    text_transformer_classifier,
)
from deepgrad.sequence.windows import make_windows

__all__ = ["text_lstm_classifier", "text_transformer_classifier", "lstm_forecaster", "TextLSTMClassifier",
           "TextTransformerClassifier", "masked_pool", "make_windows"]
