"""Mistakes caught at the first batch, before training goes wrong, with what to change."""

from deepgrad.engine import backend

_CROSSENTROPIES = {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}


def loss_kind(loss):
    """(function name, from_logits) of a compiled loss: a function or a Loss instance."""
    from deepgrad.nn import losses

    function = type(loss).function if isinstance(loss, losses.Loss) else loss
    return getattr(function, "__name__", ""), bool(getattr(loss, "from_logits", False))


def _output_activation(model):
    """The activation of the model's last layer, when it is a Sequential ending in one."""
    from deepgrad.nn import Sequential, activations

    last = model.layers[-1] if isinstance(model, Sequential) and len(model) else model
    return activations.name_of(getattr(last, "activation", None))


def first_batch(model, y, y_pred):
    """Check that the labels fit the loss and the model's output, and that the output is the
    kind (probabilities or logits) that the loss expects."""
    name, from_logits = loss_kind(model.loss)
    if name not in _CROSSENTROPIES or y is None:
        return
    xp = backend.host_numpy()
    outputs = y_pred.numpy()
    classes = outputs.shape[-1] if outputs.ndim else 1
    if name == "sparse_categorical_crossentropy":
        labels = xp.asarray(y.numpy() if hasattr(y, "numpy") else y)
        if labels.size and labels.max() >= classes:
            raise ValueError(
                f"the labels go up to {int(labels.max())} but the model has {classes} outputs, one per class; "
                f"give the last layer {int(labels.max()) + 1} units, or map the labels to 0..{classes - 1}"
            )
    activation = _output_activation(model)
    if from_logits and (activation in ("softmax", "sigmoid") or _rows_are_distributions(outputs, name)):
        raise ValueError(
            f"the loss has from_logits=True, but the model's outputs are already probabilities "
            f"({activation or 'rows summing to 1'}); remove the final activation so the model outputs "
            f"logits, or use from_logits=False"
        )
    if not from_logits and outputs.size and (outputs.min() < 0 or outputs.max() > 1):
        kind = "sigmoid" if name == "binary_crossentropy" else "softmax"
        raise ValueError(
            f"the loss {name} expects probabilities, but the model outputs values from {outputs.min():.3g} to "
            f"{outputs.max():.3g}; add activation='{kind}' to the last layer, or pass from_logits=True to the loss"
        )


def _rows_are_distributions(outputs, name):
    if name == "binary_crossentropy" or outputs.ndim < 2 or outputs.shape[-1] < 2:
        return False
    xp = backend.host_numpy()
    return bool(outputs.min() >= 0 and xp.allclose(outputs.sum(axis=-1), 1, atol=1e-4))
