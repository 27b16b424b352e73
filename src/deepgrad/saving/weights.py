"""save_weights / load_weights: a model's `state_dict()` in one safetensors file.

The file holds one tensor per parameter and buffer under its dotted name ("0.weight",
"2.running_mean", ...), exactly the names of `model.state_dict()` and of PyTorch, so other
tools read it directly (`safetensors.numpy.load_file`, `safetensors.torch.load_file`). Its
metadata is {"format": "deepgrad-weights", "version": "1"}. The architecture is not saved:
load the weights into a model made by the same code (see `deepgrad.save` for both).

    >>> import os, tempfile
    >>> import deepgrad as dg
    >>> from deepgrad import nn
    >>> model = nn.Sequential([nn.Dense(4, activation="relu"), nn.Dense(1)])
    >>> _ = model(dg.ones((2, 3)))                       # the first call makes the weights
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save_weights(model, path)
    >>> twin = nn.Sequential([nn.Dense(4, activation="relu"), nn.Dense(1)])
    >>> twin.build((None, 3))                            # make weights of the right shapes
    >>> load_weights(twin, path)
    ([], [])
    >>> bool((twin(dg.ones((2, 3))) == model(dg.ones((2, 3)))).numpy().all())
    True
"""

import os

from deepgrad.nn.module import Module
from deepgrad.saving.tensor_files import read_tensors, write_tensors

WEIGHTS_FORMAT = "deepgrad-weights"


def save_weights(model, path):
    """Write every parameter and buffer of `model` to the safetensors file `path`, atomically."""
    check_built(model, "saving")
    write_tensors(path, model.state_dict(), WEIGHTS_FORMAT)


def load_weights(model, path, strict=True):
    """Copy the weights in the file `path` (from `save_weights`) into `model`, in place.

    The model must already have its weights (call it on a batch, or `model.build(input_shape)`).
    With `strict` (the default), names missing from the file or unknown to the model are an error;
    with `strict=False` the names both have are loaded. A shape that differs is always an error,
    raised before any weight changes. Returns (missing, unexpected) names, as `load_state_dict`.
    """
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"{path} is a folder; a model saved with deepgrad.save loads with deepgrad.load(folder), and its "
            f"weights alone with load_weights(model, os.path.join(folder, 'weights.safetensors'))"
        )
    state, _ = read_tensors(path, WEIGHTS_FORMAT)
    check_state(model, state, path, strict)
    return model.load_state_dict(state, strict=strict)


def check_built(model, action):
    """Refuse to save a model whose lazy layers have not made their weights yet."""
    if not isinstance(model, Module):
        raise TypeError(f"{action} needs an nn.Module, got {type(model).__name__}")
    # Leaf layers only: a Sequential of built layers has every weight even before its own first call.
    unbuilt = [m.name for m in model.modules()
               if not m.built and type(m).build is not Module.build and not m.children()]
    if unbuilt:
        raise RuntimeError(
            f"{model.name} has no weights yet (not built: {unbuilt}); call the model on a batch of inputs "
            f"(or model.build(input_shape)) before {action} it"
        )


def check_state(model, state, path, strict=True):
    """Check that `state` (read from `path`) fits `model` before anything is copied, so that a failed
    load leaves the model as it was. Raises what `load_state_dict` would, naming the file."""
    return model.check_state_dict(state, strict, source=path)
