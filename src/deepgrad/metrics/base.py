"""Metric, Mean and MeanMetricWrapper: values accumulated over the batches of an epoch.

A metric keeps sums, not batch averages, so its value after an epoch is the value over all the
epoch's samples, whatever the batch sizes: `Mean` keeps Σ w·v and Σ w. Metrics work on NumPy
arrays on the host (a Tensor is read with `.numpy()`): they carry no gradient.

    >>> m = metrics.Mean(name="loss")
    >>> m.update_state(0.5, sample_weight=3)   # a batch of 3 samples with mean loss 0.5
    >>> m.update_state(2.0, sample_weight=1)   # a batch of 1
    >>> m.result()                             # (3·0.5 + 1·2.0) / 4
    0.875
"""

import re

from deepgrad.engine import backend
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.tensor import Tensor

_np = backend.host_numpy()


def host(values, dtype=None):
    """`values` (a Tensor, a NumPy or CuPy array, a number or a list) as a NumPy array on the host."""
    if isinstance(values, Tensor):
        values = values.numpy()
    elif backend.is_array(values):
        values = backend.to_host(values)
    return _np.asarray(values, dtype=dtype)


def paired(metric, y_true, y_pred):
    """(y_true, y_pred) as host arrays of one shape; y_true may differ from y_pred by a trailing 1 only.

    (n,) targets against (n, 1) predictions are reshaped, never broadcast to (n, n).
    """
    y_true, y_pred = host(y_true), host(y_pred)
    if y_true.shape == y_pred.shape:
        return y_true, y_pred
    if y_true.shape == (*y_pred.shape, 1) or y_pred.shape == (*y_true.shape, 1):
        return y_true.reshape(y_pred.shape), y_pred
    raise ShapeError(
        f"{metric}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; give targets of "
        f"the predictions' shape {y_pred.shape}"
    )


def per_sample(values):
    """The mean over the last axis when there is more than one axis (Keras's per-sample value)."""
    return values.mean(axis=-1) if values.ndim >= 2 else values


def weights_like(owner, values, sample_weight):
    """`sample_weight` broadcast to `values`' shape (None gives ones); (n,) weights fit (n, ...) values."""
    if sample_weight is None:
        return _np.ones(values.shape)
    weights = host(sample_weight, _np.float64)
    if 0 < weights.ndim < values.ndim and weights.shape == values.shape[: weights.ndim]:
        weights = weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim))
    try:
        return _np.broadcast_to(weights, values.shape)
    except ValueError:
        raise ShapeError(
            f"{owner}: sample_weight has shape {weights.shape}, which does not fit values of shape "
            f"{values.shape}; give one weight per sample"
        ) from None


def _snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Metric:
    """Base class: `update_state(...)` adds a batch, `result()` gives the value so far as a float,
    `reset_state()` starts again (the training loop calls it at each epoch's start), `name` is
    the key in the logs (by default the class name in snake case: "binary_accuracy").

    Subclasses define `reset_state`, `update_state` and `result`.
    """

    def __init__(self, name=None):
        self.name = name if name is not None else _snake_case(type(self).__name__)
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError(f"{type(self).__name__} must define reset_state(self)")

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define update_state(self, y_true, y_pred)")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must define result(self)")

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class Mean(Metric):
    """The weighted mean of every value given so far: Σ w·v / Σ w (0.0 before any value, as Keras).

    `update_state(values, sample_weight=None)`: `values` is a number or an array, each element
    counted once, or `sample_weight` times. The training loop tracks the loss with
    `Mean(name="loss").update_state(batch_loss, sample_weight=batch_size)`.

        >>> m = metrics.Mean()
        >>> m.update_state([1.0, 2.0, 3.0])
        >>> m.result()
        2.0
    """

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = host(values, _np.float64)
        weights = weights_like(self.name, values, sample_weight)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The mean over samples of `fn(y_true, y_pred, **kwargs)`, a function of host NumPy arrays.

    When `fn` returns one value per sample (shape (n,) or (n, ...)), every value counts once (or
    with its `sample_weight`). When it returns one number for the batch (a batch mean, as a
    loss does), that number counts as many times as the batch has samples, so that batches of
    different sizes are weighted by their size.

        >>> m = metrics.MeanMetricWrapper(lambda y_true, y_pred: abs(y_true - y_pred).max(), name="max_error")
        >>> m.update_state(np.array([0.0, 1.0]), np.array([0.5, 1.0]))   # 0.5, for 2 samples
        >>> m.update_state(np.array([0.0]), np.array([2.0]))             # 2.0, for 1 sample
        >>> m.result()
        1.0
    """

    def __init__(self, fn, name=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper needs a function (y_true, y_pred) -> values, got {fn!r}")
        self.fn = fn
        self.fn_kwargs = kwargs
        super().__init__(name=name if name is not None else getattr(fn, "__name__", "mean"))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = host(y_true), host(y_pred)
        values = host(self.fn(y_true, y_pred, **self.fn_kwargs), _np.float64)
        if values.ndim == 0 and y_pred.ndim > 0:
            if sample_weight is not None:
                raise ValueError(
                    f"metric {self.name!r} returns one number per batch, so it cannot be weighted per sample; "
                    f"make its function return one value per sample to use sample_weight"
                )
            sample_weight = len(y_pred)
        super().update_state(values, sample_weight)

    def get_config(self):
        return {"name": self.name, **self.fn_kwargs}
