"""Accuracies: the fraction of samples whose prediction is right, by Keras's rules.

Each exists as a function of host arrays that gives one value per sample (as Keras's
`keras.metrics.binary_accuracy` does) and as a Metric class that averages it over all samples.

    >>> m = metrics.SparseCategoricalAccuracy()
    >>> m.update_state([0, 1], np.array([[0.9, 0.1], [0.8, 0.2]]))   # right, wrong
    >>> m.update_state([1], np.array([[0.3, 0.7]]))                   # right
    >>> round(m.result(), 4)
    0.6667
"""

from deepgrad.engine import backend
from deepgrad.engine.errors import ShapeError
from deepgrad.metrics.base import MeanMetricWrapper, Metric, host, paired, per_sample

_np = backend.host_numpy()


# --- the per-sample functions -------------------------------------------------------------------
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals y_true (0 or 1), averaged over the last axis.

        >>> metrics.binary_accuracy(np.array([[1], [0]]), np.array([[0.7], [0.6]])).tolist()
        [1.0, 0.0]
    """
    y_true, y_pred = paired("binary_accuracy", y_true, y_pred)
    return per_sample((y_true == (y_pred > threshold)).astype(_np.float64))


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals argmax(y_true) over the last axis (one-hot targets).

        >>> metrics.categorical_accuracy(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.4, 0.6]])).tolist()
        [1.0, 0.0]
    """
    y_true, y_pred = host(y_true), host(y_pred)
    _check_classes("categorical_accuracy", y_pred)
    if y_pred.shape[-1] > 1 and y_true.shape in (y_pred.shape[:-1], (*y_pred.shape[:-1], 1)):
        raise ShapeError(
            f"categorical_accuracy expects one-hot targets of shape {y_pred.shape}, but y_true has shape "
            f"{y_true.shape}, which looks like integer class labels; use sparse_categorical_accuracy"
        )
    y_true, y_pred = paired("categorical_accuracy", y_true, y_pred)
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(_np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) over the last axis equals the class index in y_true.

    y_true has shape y_pred.shape[:-1], or that with a trailing 1: (n,) or (n, 1) for (n, k) predictions.

        >>> metrics.sparse_categorical_accuracy(np.array([1, 0]), np.array([[0.2, 0.8], [0.4, 0.6]])).tolist()
        [1.0, 0.0]
    """
    labels, y_pred = _labels("sparse_categorical_accuracy", y_true, y_pred)
    return (labels == y_pred.argmax(axis=-1)).astype(_np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the true class (argmax of one-hot y_true) is among the k highest scores of y_pred.

    Ties count in the label's favour, as TensorFlow's in_top_k: the label is in the top k when
    fewer than k classes score strictly higher than it.

        >>> metrics.top_k_categorical_accuracy(np.array([[0, 0, 1]]), np.array([[0.5, 0.3, 0.2]]), k=2).tolist()
        [0.0]
    """
    y_true, y_pred = host(y_true), host(y_pred)
    _check_classes("top_k_categorical_accuracy", y_pred)
    y_true, y_pred = paired("top_k_categorical_accuracy", y_true, y_pred)
    return _in_top_k(y_true.argmax(axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the class index in y_true is among the k highest scores of y_pred (ties as above).

        >>> metrics.sparse_top_k_categorical_accuracy(np.array([1]), np.array([[0.5, 0.3, 0.2]]), k=2).tolist()
        [1.0]
    """
    labels, y_pred = _labels("sparse_top_k_categorical_accuracy", y_true, y_pred)
    whole = labels.astype(_np.int64)
    bad = labels[(whole != labels) | (whole < 0) | (whole >= y_pred.shape[-1])]
    if bad.size:
        raise ValueError(
            f"sparse_top_k_categorical_accuracy: label {bad.flat[0].item()!r} is not a class index for "
            f"{y_pred.shape[-1]} classes; labels must be whole numbers in 0..{y_pred.shape[-1] - 1}"
        )
    return _in_top_k(whole, y_pred, k)


def _in_top_k(labels, y_pred, k):
    label_scores = _np.take_along_axis(y_pred, labels[..., None], axis=-1)
    return ((y_pred > label_scores).sum(axis=-1) < k).astype(_np.float64)


def _check_classes(metric, y_pred):
    if y_pred.ndim == 0:
        raise ShapeError(f"{metric} needs predictions with a class axis, e.g. (batch, classes), but got shape ()")


def _labels(metric, y_true, y_pred):
    """(class labels of shape y_pred.shape[:-1], y_pred) as host arrays, after checking the shapes."""
    labels, y_pred = host(y_true), host(y_pred)
    _check_classes(metric, y_pred)
    batch = y_pred.shape[:-1]
    if labels.shape == (*batch, 1):
        labels = labels.reshape(batch)
    if labels.shape != batch:
        fix = "it looks one-hot: use the categorical metric, or pass y.argmax(axis=-1)" if labels.shape == \
            y_pred.shape else f"pass one class index per sample, shape {batch}"
        raise ShapeError(f"{metric}: y_true has shape {labels.shape} but y_pred has shape {y_pred.shape}; {fix}")
    return labels, y_pred


def _check_k(owner, k):
    if isinstance(k, bool) or not isinstance(k, int | _np.integer) or k < 1:
        raise ValueError(f"{owner}: k must be a whole number >= 1 (how many top classes count), got {k!r}")
    return int(k)


# --- the metrics --------------------------------------------------------------------------------
class BinaryAccuracy(MeanMetricWrapper):
    """The fraction of predictions on the right side of `threshold`: mean of `binary_accuracy`.

    Use threshold=0.0 when the model outputs logits (`from_logits=True` losses).

        >>> m = metrics.BinaryAccuracy()
        >>> m.update_state([[1], [0], [1]], np.array([[0.9], [0.2], [0.4]]))
        >>> round(m.result(), 4)
        0.6667
    """

    def __init__(self, threshold=0.5, name="binary_accuracy"):
        if isinstance(threshold, bool) or not isinstance(threshold, int | float | _np.floating):
            raise TypeError(f"BinaryAccuracy: threshold must be a number such as 0.5, got {threshold!r}")
        self.threshold = float(threshold)
        super().__init__(binary_accuracy, name=name, threshold=self.threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """The fraction of samples whose highest score is the one-hot target's class.

        >>> m = metrics.CategoricalAccuracy()
        >>> m.update_state([[0, 1], [1, 0]], np.array([[0.3, 0.7], [0.6, 0.4]]))
        >>> m.result()
        1.0
    """

    def __init__(self, name="categorical_accuracy"):
        super().__init__(categorical_accuracy, name=name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """The fraction of samples whose highest score is the integer label's class ((n,) or (n, 1) labels).

        >>> m = metrics.SparseCategoricalAccuracy()
        >>> m.update_state([1, 0], np.array([[0.3, 0.7], [0.4, 0.6]]))
        >>> m.result()
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name=name)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """The fraction of samples whose one-hot class is among the k highest scores.

        >>> m = metrics.TopKCategoricalAccuracy(k=2)
        >>> m.update_state([[0, 0, 1]], np.array([[0.5, 0.2, 0.3]]))
        >>> m.result()
        1.0
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy"):
        self.k = _check_k("TopKCategoricalAccuracy", k)
        super().__init__(top_k_categorical_accuracy, name=name, k=self.k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """The fraction of samples whose integer label is among the k highest scores.

        >>> m = metrics.SparseTopKCategoricalAccuracy(k=2)
        >>> m.update_state([2], np.array([[0.5, 0.2, 0.3]]))
        >>> m.result()
        1.0
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy"):
        self.k = _check_k("SparseTopKCategoricalAccuracy", k)
        super().__init__(sparse_top_k_categorical_accuracy, name=name, k=self.k)


class AutoAccuracy(Metric):
    """"accuracy" when the loss does not say which: chosen from the shapes of the first batch (Keras).

    y_pred with a last axis of 1 (or one axis) -> BinaryAccuracy(0.5); y_true of shape
    y_pred.shape[:-1] (or with a trailing 1) against several classes -> SparseCategoricalAccuracy;
    otherwise CategoricalAccuracy. The choice (`resolved`) is kept across `reset_state()`.

        >>> m = metrics.AutoAccuracy()
        >>> m.update_state([2, 0], np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]))
        >>> type(m.resolved).__name__, m.result()
        ('SparseCategoricalAccuracy', 1.0)
    """

    def __init__(self, name="accuracy"):
        self.resolved = None
        super().__init__(name=name)

    def reset_state(self):
        if self.resolved is not None:
            self.resolved.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = host(y_true), host(y_pred)
        if self.resolved is None:
            self.resolved = _accuracy_for_shapes(y_true.shape, y_pred.shape, self.name)
        self.resolved.update_state(y_true, y_pred, sample_weight)

    def result(self):
        return self.resolved.result() if self.resolved is not None else 0.0


def _accuracy_for_shapes(true_shape, pred_shape, name):
    if len(pred_shape) <= 1 or pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if true_shape in (pred_shape[:-1], (*pred_shape[:-1], 1)):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)
