"""metrics.get: the metric that a name, an instance, a class or a function in `compile(metrics=[...])` means.

"accuracy" (or "acc") becomes the accuracy that fits the loss, as in Keras:

    binary_crossentropy              -> BinaryAccuracy(threshold=0.5), or threshold=0.0 with from_logits=True
    categorical_crossentropy         -> CategoricalAccuracy
    sparse_categorical_crossentropy  -> SparseCategoricalAccuracy
    any other loss                   -> AutoAccuracy: decided from the shapes of the first batch

The loss may be given as its name ("binary_crossentropy"), its class name ("BinaryCrossentropy"),
the function (`losses.binary_crossentropy`, or a functools.partial of it), an instance
(`losses.BinaryCrossentropy(from_logits=True)`) or a config dict. The metric keeps the name it
was asked by ("accuracy", "acc", "mse"), which is its key in the logs.

    >>> m = metrics.get("accuracy", loss=losses.BinaryCrossentropy(from_logits=True))
    >>> type(m).__name__, m.threshold, m.name
    ('BinaryAccuracy', 0.0, 'accuracy')
"""

import functools

from deepgrad.metrics import accuracy, confusion, regression
from deepgrad.metrics.base import MeanMetricWrapper, Metric
from deepgrad.nn import losses

ACCURACY_NAMES = ("accuracy", "acc")
NAMES = {
    "binary_accuracy": accuracy.BinaryAccuracy,
    "categorical_accuracy": accuracy.CategoricalAccuracy,
    "sparse_categorical_accuracy": accuracy.SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": accuracy.TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": accuracy.SparseTopKCategoricalAccuracy,
    "mse": regression.MeanSquaredError,
    "mean_squared_error": regression.MeanSquaredError,
    "mae": regression.MeanAbsoluteError,
    "mean_absolute_error": regression.MeanAbsoluteError,
    "precision": confusion.Precision,
    "recall": confusion.Recall,
    "auc": confusion.AUC,
}
# The other losses by name ("binary_crossentropy", "huber", ...) are metrics too: their mean over samples.
LOSS_NAMES = sorted(set(losses.ALL) - set(NAMES))

_ACCURACY_FOR_LOSS = (
    (losses.binary_crossentropy, losses.BinaryCrossentropy, accuracy.BinaryAccuracy),
    (losses.categorical_crossentropy, losses.CategoricalCrossentropy, accuracy.CategoricalAccuracy),
    (losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy, accuracy.SparseCategoricalAccuracy),
)


def get(identifier, loss=None):
    """The Metric for `identifier`: a name, a Metric instance (returned as is), a Metric class, or a
    function (y_true, y_pred) -> value, wrapped in a MeanMetricWrapper named after it.

    `loss` (what `compile` got as the loss) only matters for "accuracy"/"acc"; see the module's doc.

        >>> metrics.get("mse").name, type(metrics.get("mse")).__name__
        ('mse', 'MeanSquaredError')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ACCURACY_NAMES:
            return accuracy_for_loss(loss, name=identifier)
        if identifier in NAMES:
            return NAMES[identifier](name=identifier)
        if identifier in LOSS_NAMES:
            return MeanMetricWrapper(losses.ALL[identifier], name=identifier)
        valid = sorted([*ACCURACY_NAMES, *NAMES, *LOSS_NAMES])
        raise ValueError(
            f"unknown metric {identifier!r}; use one of {valid}, a Metric such as metrics.AUC(), "
            f"or a function (y_true, y_pred) -> value"
        )
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(
        f"a metric must be a name such as 'accuracy', a Metric such as metrics.AUC(), or a function "
        f"(y_true, y_pred) -> value; got {identifier!r} ({type(identifier).__name__})"
    )


def accuracy_for_loss(loss, name="accuracy"):
    """The accuracy metric that fits `loss` (see the module's table), named `name`.

        >>> type(metrics.accuracy_for_loss("sparse_categorical_crossentropy")).__name__
        'SparseCategoricalAccuracy'
    """
    loss, from_logits = _normalised_loss(loss)
    for function, cls, metric in _ACCURACY_FOR_LOSS:
        if loss is function or isinstance(loss, cls):
            if metric is accuracy.BinaryAccuracy:
                return metric(threshold=0.0 if from_logits else 0.5, name=name)
            return metric(name=name)
    return accuracy.AutoAccuracy(name=name)


def _normalised_loss(loss):
    """(the loss as a function or Loss instance when it names a built-in loss, whether it takes logits)."""
    if isinstance(loss, functools.partial):
        inner, from_logits = _normalised_loss(loss.func)
        return inner, bool(loss.keywords.get("from_logits", from_logits))
    if isinstance(loss, str | dict) or (isinstance(loss, type) and issubclass(loss, losses.Loss)):
        try:
            loss = losses.get(loss)
        except ValueError:
            return loss, False  # not a built-in loss: compile() reports it; the accuracy goes by shapes
    return loss, bool(getattr(loss, "from_logits", False))
