"""Regression metrics: the mean squared and the mean absolute error over all samples.

    >>> m = metrics.MeanSquaredError()
    >>> m.update_state([[0.0], [1.0]], np.array([[1.0], [1.0]]))   # errors 1, 0
    >>> m.update_state([[2.0]], np.array([[0.0]]))                 # error 4
    >>> round(m.result(), 4)                                       # (1 + 0 + 4) / 3
    1.6667
"""

from deepgrad.metrics.base import MeanMetricWrapper, paired, per_sample


def mean_squared_error(y_true, y_pred):
    """(y_true - y_pred)² averaged over the last axis: one value per sample.

        >>> metrics.mean_squared_error(np.array([[0.0, 2.0]]), np.array([[1.0, 1.0]])).tolist()
        [1.0]
    """
    y_true, y_pred = paired("mean_squared_error", y_true, y_pred)
    return per_sample((y_true - y_pred) ** 2)


def mean_absolute_error(y_true, y_pred):
    """|y_true - y_pred| averaged over the last axis: one value per sample.

        >>> metrics.mean_absolute_error(np.array([[0.0, 2.0]]), np.array([[1.0, 1.0]])).tolist()
        [1.0]
    """
    y_true, y_pred = paired("mean_absolute_error", y_true, y_pred)
    return per_sample(abs(y_true - y_pred))


class MeanSquaredError(MeanMetricWrapper):
    """The mean of (y_true - y_pred)² over every sample seen (see the module's example)."""

    def __init__(self, name="mean_squared_error"):
        super().__init__(mean_squared_error, name=name)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of |y_true - y_pred| over every sample seen.

        >>> m = metrics.MeanAbsoluteError()
        >>> m.update_state([1.0, 2.0], np.array([1.5, 2.0]))
        >>> m.result()
        0.25
    """

    def __init__(self, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, name=name)
