"""Saving and loading: weights, whole models and training checkpoints, as safetensors and JSON.

Nothing is ever pickled, so loading a file never runs code from it. Three formats:

- `save_weights(model, path)` / `load_weights(model, path)`: one safetensors file of
  `model.state_dict()` under its dotted names ("0.weight", "1.running_mean"...), readable by
  any safetensors reader, PyTorch's included.
- `save(model, path)` / `load(path)`: a folder with `config.json` (the architecture, from
  `model.serialize()`) and `weights.safetensors`; `load` makes the model again without your code
  for built-in layers.
- `save_checkpoint(path, model, optimizer, epoch, extra)` / `load_checkpoint(path, model, optimizer)`:
  one safetensors file with the weights, the optimizer's state, the epoch, the random state and
  your own JSON data, so that a resumed run ends where an unbroken one does, bit for bit.

Every file is written atomically (see `atomic`); a file that is damaged, truncated or of another
kind raises `CorruptFileError` naming it. safetensors is the optional extra `deepgrad[saving]`.

    >>> import os, tempfile
    >>> import deepgrad as dg
    >>> from deepgrad import nn, saving
    >>> model = nn.Sequential([nn.Dense(4, activation="relu"), nn.Dense(1)])
    >>> _ = model(dg.ones((2, 3)))
    >>> folder = os.path.join(tempfile.mkdtemp(), "regressor")
    >>> saving.save(model, folder, input_shape=(None, 3))
    >>> twin = saving.load(folder)                       # no code of yours needed
    >>> [layer.units for layer in twin]
    [4, 1]
"""

from deepgrad.saving.checkpoint import load_checkpoint, save_checkpoint
from deepgrad.saving.errors import CorruptFileError
from deepgrad.saving.model import load, save
from deepgrad.saving.weights import load_weights, save_weights

__all__ = ["save_weights", "load_weights", "save", "load", "save_checkpoint", "load_checkpoint",
           "CorruptFileError"]
