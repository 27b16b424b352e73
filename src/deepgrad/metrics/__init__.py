"""Metrics: how well a model does, accumulated over the batches of an epoch (Keras's metrics API).

Each metric has `update_state(y_true, y_pred, sample_weight=None)`, `result()` (a float),
`reset_state()` and a `name` (its key in the logs); `Mean` (for the loss) takes
`update_state(values, sample_weight=None)`. `get(identifier, loss=None)` turns what
`compile(metrics=[...])` was given into metrics.

    >>> m = metrics.get("accuracy", loss="sparse_categorical_crossentropy")
    >>> m.update_state([0, 1, 1], np.array([[0.8, 0.2], [0.3, 0.7], [0.9, 0.1]]))
    >>> m.name, round(m.result(), 4)
    ('accuracy', 0.6667)
"""

from deepgrad.metrics.accuracy import (
    AutoAccuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from deepgrad.metrics.base import Mean, MeanMetricWrapper, Metric
from deepgrad.metrics.confusion import AUC, Precision, Recall
from deepgrad.metrics.lookup import accuracy_for_loss, get
from deepgrad.metrics.regression import MeanAbsoluteError, MeanSquaredError, mean_absolute_error, mean_squared_error

__all__ = [
    "Metric", "Mean", "MeanMetricWrapper", "AutoAccuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanSquaredError",
    "MeanAbsoluteError", "Precision", "Recall", "AUC", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "mean_squared_error", "mean_absolute_error", "get", "accuracy_for_loss",
]
