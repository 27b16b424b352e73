"""Losses: how far the predictions are from the targets, as one number to minimise.

Each loss is a function `loss(y_true, y_pred)` (Keras's argument order), a class whose instances
are called the same way, and a name for `compile(loss="...")`. Each follows Keras's formula
for one sample (mostly a mean over the last axis) and returns the mean of that over the batch,
as a scalar tensor, as Keras does with its default reduction ("sum_over_batch_size").

`y_pred` is a Tensor; `y_true` may be a Tensor, an ndarray or a list. Targets must have exactly
the shape the loss expects: nothing is broadcast, so a (32,) target against (32, 1) predictions
is an error that says to reshape it, not a silent (32, 32) loss.

Probability inputs are clipped to [EPSILON, 1 - EPSILON] as Keras does, and the `from_logits=True`
forms work in log space, so 0, 1 and logits of ±1000 all give finite losses and gradients.

    >>> losses.mse([[1.0, 2.0]], dg.tensor([[1.5, 2.0]])).item()
    0.125
"""

from deepgrad.engine import backend, dtypes, ops
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops.arithmetic import as_tensor
from deepgrad.engine.tensor import Tensor
from deepgrad.nn.configurable import Configurable
from deepgrad.nn.lookup import lookup

EPSILON = 1e-7  # Keras's backend.epsilon(): how far probabilities are kept from 0 and 1
_np = backend.host_numpy()


# --- the losses -------------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)²) over the last axis, then over the batch.

        >>> losses.mean_squared_error([[0.0, 1.0]], dg.tensor([[1.0, 1.0]])).item()
        0.5
    """
    y_true, y_pred = _same_shape_pair("mean_squared_error", y_true, y_pred)
    error = y_pred - y_true
    return (error * error).mean()  # the mean over the last axis, then over the batch, is the overall mean


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis, then over the batch.

        >>> losses.mean_absolute_error([[0.0, 1.0]], dg.tensor([[1.0, 1.0]])).item()
        0.5
    """
    y_true, y_pred = _same_shape_pair("mean_absolute_error", y_true, y_pred)
    return ops.abs(y_pred - y_true).mean()


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for small errors, linear for large ones; mean over the last axis, then the batch.

    With e = y_pred - y_true: 0.5·e² where |e| <= delta, else delta·|e| - 0.5·delta².

        >>> losses.huber([[0.0]], dg.tensor([[3.0]]), delta=1.0).item()
        2.5
    """
    if not delta > 0:
        raise ValueError(f"huber needs delta > 0 (the error at which it turns linear), got delta={delta!r}")
    y_true, y_pred = _same_shape_pair("huber", y_true, y_pred)
    error = y_pred - y_true
    size = ops.abs(error)
    values = ops.where(size.data <= delta, 0.5 * error * error, delta * size - 0.5 * delta * delta)
    return values.mean()


def binary_crossentropy(y_true, y_pred, from_logits=False):
    """-[y·log(p) + (1 - y)·log(1 - p)] averaged over the last axis, then the batch.

    With probabilities, p is clipped to [EPSILON, 1 - EPSILON] first (Keras). With
    `from_logits=True`, y_pred holds x with p = sigmoid(x), and the loss is computed as
    max(x, 0) - x·y + log(1 + e^-|x|), which never overflows (PyTorch's and TensorFlow's form).

        >>> round(losses.binary_crossentropy([[1.0]], dg.tensor([[0.5]])).item(), 4)
        0.6931
    """
    y_true, y_pred = _same_shape_pair("binary_crossentropy", y_true, y_pred)
    if from_logits:
        values = ops.softplus(y_pred) - y_pred * y_true  # softplus(x) = log(1 + e^x), stably; d/dx = σ(x) - y
    else:
        p = ops.clip(y_pred, EPSILON, 1 - EPSILON)
        values = -(y_true * ops.log(p) + (1 - y_true) * ops.log(1 - p))
    return values.mean()


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """-Σ y·log(p) over the classes (last axis) for one-hot targets, averaged over the batch.

    With probabilities, each row of y_pred is first divided by its sum and clipped to
    [EPSILON, 1 - EPSILON], as Keras does. With `from_logits=True`, log p = log_softmax(y_pred).

        >>> round(losses.categorical_crossentropy([[0, 1]], dg.tensor([[0.5, 0.5]])).item(), 4)
        0.6931
    """
    y_pred = _predictions(y_pred)
    _check_class_axis("categorical_crossentropy", y_pred)
    _refuse_class_indices("categorical_crossentropy", y_true, y_pred, "use sparse_categorical_crossentropy, or ")
    y_true, y_pred = _same_shape_pair("categorical_crossentropy", y_true, y_pred)
    return -(y_true * _log_probabilities(y_pred, from_logits)).sum(axis=-1).mean()


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """-log p[label] for integer class labels, averaged over the batch.

    y_true holds class indices of shape y_pred.shape[:-1] (or with a trailing 1); y_pred holds
    probabilities over the classes in its last axis (or logits with `from_logits=True`), treated
    as in `categorical_crossentropy`.

        >>> round(losses.sparse_categorical_crossentropy([1], dg.tensor([[0.5, 0.5]])).item(), 4)
        0.6931
    """
    y_pred = _predictions(y_pred)
    _check_class_axis("sparse_categorical_crossentropy", y_pred)
    labels = _class_labels(y_true, y_pred)
    classes = y_pred.shape[-1]
    log_p = _log_probabilities(y_pred, from_logits).reshape(-1, classes)
    return -log_p[_np.arange(log_p.shape[0]), labels.reshape(-1)].mean()


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + max((1 - y_true)·y_pred) - Σ y_true·y_pred) per sample, averaged over the batch.

    The margin between the score of the true class and the best other score (one-hot targets).

        >>> losses.categorical_hinge([[0, 1]], dg.tensor([[0.5, 1.0]])).item()
        0.5
    """
    y_pred = _predictions(y_pred)
    _check_class_axis("categorical_hinge", y_pred)
    _refuse_class_indices("categorical_hinge", y_true, y_pred, "")
    y_true, y_pred = _same_shape_pair("categorical_hinge", y_true, y_pred)
    positive = (y_true * y_pred).sum(axis=-1)
    negative = ((1 - y_true) * y_pred).max(axis=-1)
    return ops.maximum(negative - positive + 1, 0.0).mean()


def hinge(y_true, y_pred):
    """mean(max(1 - y_true·y_pred, 0)) over the last axis, then the batch.

    Targets are -1 or 1; when every target is 0 or 1 they are first mapped to -1 and 1 (Keras).

        >>> losses.hinge([[1.0, 0.0]], dg.tensor([[0.5, 0.5]])).item()
        1.0
    """
    y_true, y_pred = _same_shape_pair("hinge", y_true, y_pred)
    values = y_true.data
    if bool(((values == 0) | (values == 1)).all()):
        y_true = 2 * y_true - 1
    return ops.maximum(1 - y_true * y_pred, 0.0).mean()


def kl_divergence(y_true, y_pred):
    """Σ y_true·log(y_true / y_pred) over the last axis, averaged over the batch.

    Both are clipped to [EPSILON, 1] first (Keras), so zeros in either give finite values.

        >>> losses.kl_divergence([[0.5, 0.5]], dg.tensor([[0.5, 0.5]])).item()
        0.0
    """
    y_true, y_pred = _same_shape_pair("kl_divergence", y_true, y_pred)
    t = ops.clip(y_true, EPSILON, 1.0)
    p = ops.clip(y_pred, EPSILON, 1.0)
    return (t * ops.log(t / p)).sum(axis=-1).mean()


mse = mean_squared_error
mae = mean_absolute_error


# --- checking and converting the inputs -------------------------------------------------------
def _predictions(y_pred):
    """y_pred as a floating-point Tensor."""
    y_pred = y_pred if isinstance(y_pred, Tensor) else as_tensor(y_pred)
    return y_pred if y_pred.dtype.kind == "f" else ops.astype(y_pred, dtypes.DEFAULT_FLOAT)


def _targets(y_true, y_pred):
    """y_true as a Tensor of y_pred's dtype, on y_pred's device (a constant unless it is a Tensor)."""
    if isinstance(y_true, Tensor):
        return ops.astype(y_true, y_pred.dtype)
    return Tensor(dtypes.to_array(y_true, y_pred.dtype, y_pred.device))


def _same_shape_pair(loss, y_true, y_pred):
    """(y_true, y_pred) as tensors, after checking that their shapes are equal."""
    y_pred = _predictions(y_pred)
    y_true = _targets(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        if y_pred.shape == (*y_true.shape, 1) or y_true.shape == (*y_pred.shape, 1):
            example = "y.reshape(-1, 1)" if y_pred.ndim == 2 else f"y.reshape({y_pred.shape})"
            fix = f"reshape y_true to {y_pred.shape}, e.g. {example}"
        else:
            fix = f"give targets of the same shape as the predictions, {y_pred.shape}"
        raise ShapeError(
            f"{loss}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; {fix} "
            f"(targets are never broadcast)"
        )
    return y_true, y_pred


def _check_class_axis(loss, y_pred):
    if y_pred.ndim == 0:
        raise ShapeError(f"{loss} needs predictions with a class axis, e.g. (batch, classes), but got shape ()")


def _refuse_class_indices(loss, y_true, y_pred, alternative):
    """Raise when y_true holds one class index per sample where one-hot rows were expected."""
    shape = _np.shape(y_true.data if isinstance(y_true, Tensor) else y_true)
    classes = y_pred.shape[-1]
    if classes > 1 and shape in (y_pred.shape[:-1], (*y_pred.shape[:-1], 1)):
        raise ShapeError(
            f"{loss} expects one-hot targets of shape {y_pred.shape}, but y_true has shape {shape}, "
            f"which looks like integer class labels; {alternative}one-hot encode them, e.g. "
            f"np.eye({classes})[labels]"
        )


def _class_labels(y_true, y_pred):
    """y_true as a host int64 array of class indices of shape y_pred.shape[:-1], checked."""
    labels = _np.asarray(backend.to_host(y_true.data) if isinstance(y_true, Tensor) else y_true)
    batch, classes = y_pred.shape[:-1], y_pred.shape[-1]
    if labels.shape == (*batch, 1):
        labels = labels.reshape(batch)
    if labels.shape != batch:
        if labels.shape == y_pred.shape:
            fix = (
                "it looks one-hot: use categorical_crossentropy, or pass class indices, "
                "e.g. y.argmax(axis=-1)"
            )
        else:
            fix = f"pass one class index per sample, shape {batch}"
        raise ShapeError(
            f"sparse_categorical_crossentropy: y_true has shape {labels.shape} but y_pred has shape "
            f"{y_pred.shape}; {fix}"
        )
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"sparse_categorical_crossentropy needs integer class labels, got dtype {labels.dtype}")
    if labels.dtype.kind == "f":
        fractional = labels[labels != _np.round(labels)]
        if fractional.size:
            raise ValueError(
                f"sparse_categorical_crossentropy needs whole-number class labels, but got "
                f"{fractional.flat[0]!r}; pass integer class indices"
            )
    labels = labels.astype(_np.int64)
    bad = labels[(labels < 0) | (labels >= classes)]
    if bad.size:
        raise ValueError(
            f"sparse_categorical_crossentropy: label {int(bad.flat[0])} is out of range for {classes} "
            f"classes (y_pred has shape {y_pred.shape}); labels must be in 0..{classes - 1}, so check "
            f"the labels or give the last layer as many units as there are classes"
        )
    return labels


def _log_probabilities(y_pred, from_logits):
    """log p over the last axis: log_softmax of logits, or Keras's rescaled and clipped log."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=-1)
    p = y_pred / y_pred.sum(axis=-1, keepdims=True)
    return ops.log(ops.clip(p, EPSILON, 1 - EPSILON))


# --- the classes ------------------------------------------------------------------------------
class Loss(Configurable):
    """A loss with its settings, called as `loss(y_true, y_pred)`; subclasses name their `function`.

    `get_config()` returns the constructor's arguments, so `cls.from_config(loss.get_config())`
    makes an equal loss.
    """

    function = None

    def __call__(self, y_true, y_pred):
        return type(self).function(y_true, y_pred, **self.get_config())


class _FromLogits(Loss):
    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def get_config(self):
        return {"from_logits": self.from_logits}


class MeanSquaredError(Loss):
    """`mean_squared_error` as a class: `MeanSquaredError()(y_true, y_pred)`."""

    function = staticmethod(mean_squared_error)


class MeanAbsoluteError(Loss):
    """`mean_absolute_error` as a class: `MeanAbsoluteError()(y_true, y_pred)`."""

    function = staticmethod(mean_absolute_error)


class Huber(Loss):
    """`huber` as a class: `Huber(delta=1.0)(y_true, y_pred)`."""

    function = staticmethod(huber)

    def __init__(self, delta=1.0):
        if not delta > 0:
            raise ValueError(f"Huber needs delta > 0 (the error at which it turns linear), got delta={delta!r}")
        self.delta = delta

    def get_config(self):
        return {"delta": self.delta}


class BinaryCrossentropy(_FromLogits):
    """`binary_crossentropy` as a class: `BinaryCrossentropy(from_logits=False)(y_true, y_pred)`."""

    function = staticmethod(binary_crossentropy)


class CategoricalCrossentropy(_FromLogits):
    """`categorical_crossentropy` as a class: `CategoricalCrossentropy(from_logits=False)`."""

    function = staticmethod(categorical_crossentropy)


class SparseCategoricalCrossentropy(_FromLogits):
    """`sparse_categorical_crossentropy` as a class: `SparseCategoricalCrossentropy(from_logits=False)`."""

    function = staticmethod(sparse_categorical_crossentropy)


class CategoricalHinge(Loss):
    """`categorical_hinge` as a class: `CategoricalHinge()(y_true, y_pred)`."""

    function = staticmethod(categorical_hinge)


class Hinge(Loss):
    """`hinge` as a class: `Hinge()(y_true, y_pred)`."""

    function = staticmethod(hinge)


class KLDivergence(Loss):
    """`kl_divergence` as a class: `KLDivergence()(y_true, y_pred)`."""

    function = staticmethod(kl_divergence)


# --- by name ----------------------------------------------------------------------------------
ALL = {
    "mean_squared_error": mean_squared_error,
    "mse": mse,
    "mean_absolute_error": mean_absolute_error,
    "mae": mae,
    "huber": huber,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "categorical_hinge": categorical_hinge,
    "hinge": hinge,
    "kl_divergence": kl_divergence,
}
CLASSES = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy,
        SparseCategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence,
    )
}


def get(identifier):
    """The loss for a name, a class name, a config dict or a callable (returned as is).

    Names are the function names and aliases in `ALL` ("mse", "sparse_categorical_crossentropy"),
    which give the function, and the class names ("Huber"), which give an instance with default
    settings; `{"class_name": "Huber", "config": {"delta": 2.0}}` gives `Huber(delta=2.0)`.
    None gives None, as in Keras.

        >>> losses.get("mse") is losses.mean_squared_error
        True
    """
    return lookup(identifier, "loss", ALL, CLASSES, Loss, "a class name such as 'Huber', or a callable")


__all__ = [
    *ALL, *CLASSES, "Loss", "get", "EPSILON",
]
