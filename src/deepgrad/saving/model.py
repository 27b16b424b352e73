"""save / load: a whole model (architecture and weights) in one folder, with no code in it.

`save(model, path)` writes the folder `path` with two files:

- `weights.safetensors`: the weights, exactly as `save_weights` writes them;
- `config.json`: {"format": "deepgrad-model", "version": 1, "class_name": ..., "config": ...,
  "input_shape": [null, 784] or null, "weights_sha256": "<hex digest of weights.safetensors>"},
  where "class_name" and "config" are `model.serialize()`.

`load(path)` makes the model again from the config with `nn.deserialize`, which looks class names
up in the registry of layer classes already defined (built-in layers, and your own classes once
their code is imported); it never imports a module, evaluates text or unpickles. It then builds
the model for `input_shape` and loads the weights, strictly. The loaded model is in training mode,
as a new one is (Keras's choice); call `model.eval()` before predicting with Dropout or BatchNorm.

Each file is written atomically, weights first and config.json last: config.json is the record
that the save finished. A folder without it is an unfinished save. Overwriting a save and crashing
between the two files leaves new weights beside the old config; the weights' SHA-256 in
config.json no longer matches, and `load` says so instead of mixing two models.

    >>> import os, tempfile
    >>> import deepgrad as dg
    >>> from deepgrad import nn
    >>> model = nn.Sequential([nn.Dense(8, activation="relu"), nn.Dense(2, activation="softmax")])
    >>> _ = model(dg.ones((4, 3)))
    >>> folder = os.path.join(tempfile.mkdtemp(), "classifier")
    >>> save(model, folder, input_shape=(None, 3))
    >>> sorted(os.listdir(folder))
    ['config.json', 'weights.safetensors']
    >>> twin = load(folder)
    >>> bool((twin(dg.ones((4, 3))) == model(dg.ones((4, 3)))).numpy().all())
    True
"""

import hashlib
import json
import os

from deepgrad.engine.random import get_state, set_state
from deepgrad.nn.module import Module, call_on_dummy_batch, deserialize
from deepgrad.saving.atomic import write_atomically
from deepgrad.saving.errors import CorruptFileError
from deepgrad.saving.json_files import read_json, to_json
from deepgrad.saving.tensor_files import VERSION, decode_tensors, encode_tensors
from deepgrad.saving.weights import WEIGHTS_FORMAT, check_built, check_state

MODEL_FORMAT = "deepgrad-model"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"


def save(model, path, input_shape=None):
    """Save `model` (architecture and weights) to the folder `path`, made if needed.

    `input_shape` is the shape of the model's inputs with None for the batch axis, e.g.
    (None, 784); `load` builds the model for it. Left out, it is `model.input_shape` when the
    model has one; a model with lazily built layers needs one or the other. Before writing, the
    model is made again from its config as `load` will make it, and a save that would not load
    (a wrong input_shape, a get_config that forgets an argument) is refused with a ValueError.
    Neither `save` nor `load` draws from the framework's random stream.
    """
    check_built(model, "saving")
    input_shape = _checked_input_shape(model, input_shape)
    spec = model.serialize()
    config = {"format": MODEL_FORMAT, "version": VERSION, "class_name": spec["class_name"],
              "config": spec["config"], "input_shape": input_shape, "weights_sha256": None}
    fix = "use names for activations and initialisers, or save the weights alone with save_weights"
    to_json(spec, "model.serialize()", fix)  # refuse before writing anything
    if os.path.exists(path) and not os.path.isdir(path):
        raise FileExistsError(f"{path} is a file; deepgrad.save writes a folder, give a path that is a folder or new")
    state = model.state_dict()
    _check_rebuilds(model, json.loads(to_json(config, "config")), state)
    data = encode_tensors(state, WEIGHTS_FORMAT)
    config["weights_sha256"] = hashlib.sha256(data).hexdigest()
    os.makedirs(path, exist_ok=True)
    write_atomically(os.path.join(path, WEIGHTS_FILE), data)
    write_atomically(os.path.join(path, CONFIG_FILE), (to_json(config, "config", indent=2) + "\n").encode())


def load(path):
    """The model saved by `save(model, path)`: made again, built, its weights loaded; in training mode."""
    config_path, weights_path = os.path.join(path, CONFIG_FILE), os.path.join(path, WEIGHTS_FILE)
    if not os.path.isdir(path):
        if os.path.exists(path):
            raise NotADirectoryError(f"{path} is a file; deepgrad.load reads the folder that deepgrad.save writes "
                                     f"(a weights file loads with load_weights(model, path))")
        raise FileNotFoundError(f"there is no saved model at {path}")
    if not os.path.exists(config_path):
        raise FileNotFoundError(f"{path} has no {CONFIG_FILE}: it was not written by deepgrad.save, or the save "
                                f"did not finish ({CONFIG_FILE} is written last). Save the model again")
    config = read_json(config_path, MODEL_FORMAT, ("class_name", "config", "input_shape", "weights_sha256"))
    if not os.path.exists(weights_path):
        raise FileNotFoundError(f"{path} has a {CONFIG_FILE} but no {WEIGHTS_FILE}; save the model again")
    with open(weights_path, "rb") as file:
        data = file.read()
    if hashlib.sha256(data).hexdigest() != config["weights_sha256"]:
        raise CorruptFileError(
            f"{weights_path} is not the file {config_path} was saved with (its SHA-256 differs from the one "
            f"recorded): a save was interrupted, or one of the files was replaced or damaged. Save the model again"
        )
    state, _ = decode_tensors(data, weights_path, WEIGHTS_FORMAT)
    input_shape = _read_input_shape(config["input_shape"], config_path)
    model = _rebuild(config, input_shape, config_path)
    check_state(model, state, weights_path)
    model.load_state_dict(state)
    if input_shape is not None:
        model.input_shape = input_shape  # so that the loaded model can be saved again as it is
    return model


def _check_rebuilds(model, config, state):
    """Make the model again from its config, as `load` will, and check that it has the same weights, so
    that a save that could not load fails now, while the model is still there."""
    input_shape = None if config["input_shape"] is None else tuple(config["input_shape"])
    twin = _rebuild(config, input_shape, f"{model.name}'s config", error_type=ValueError)
    made = {name: tuple(t.shape) for name, t in twin.named_parameters() + twin.named_buffers()}
    has = {name: tuple(array.shape) for name, array in state.items()}
    differences = [f"'{name}' would be {made.get(name, 'missing')} but is {has.get(name, 'missing')}"
                   for name in sorted(made.keys() | has.keys()) if made.get(name) != has.get(name)]
    if differences:
        raise ValueError(
            f"deepgrad.save: {model.name} made again from its config for input_shape {input_shape} would not have "
            f"the weights it has: {'; '.join(differences[:5])}. Check input_shape (one batch's shape, None for "
            f"the batch axis) and that every layer's get_config returns all of its __init__ arguments"
        )


def _rebuild(config, input_shape, where, error_type=CorruptFileError):
    """The model of `config`, built for `input_shape`; the framework's random stream is left as it was,
    although building draws initial weights (they are overwritten by the saved ones)."""
    random_state = get_state()
    try:
        try:
            model = deserialize({"class_name": config["class_name"], "config": config["config"]})
        except Exception as error:  # the config is data from a file: any failure means it is not a valid one
            raise error_type(f"{where}: cannot make the model again from its config: {error}") from error
        if input_shape is not None:
            try:
                if type(model).build is Module.build:  # a composite module: its layers build on a first call
                    call_on_dummy_batch(model, input_shape)
                else:
                    model.build(input_shape)
            except Exception as error:
                raise error_type(
                    f"{where}: cannot build {config['class_name']} for inputs of shape {input_shape}: {error}"
                ) from error
            model.built = True  # as after a first call: the next call must not make new weights
    finally:
        set_state(random_state)
    return model


def _checked_input_shape(model, input_shape):
    """`input_shape` (or the model's own) as a JSON list, None for the batch axis; None when not needed."""
    if input_shape is None:
        input_shape = getattr(model, "input_shape", None)
    if input_shape is None:
        if any(type(m).build is not Module.build for m in model.modules()):
            raise ValueError(
                f"deepgrad.save needs the shape of {model.name}'s inputs to build its layers again at load time; "
                f"pass it with None for the batch axis: deepgrad.save(model, path, input_shape=(None, 784))"
            )
        return None
    shape = list(input_shape) if isinstance(input_shape, (list, tuple)) else None
    if not shape or not all(isinstance(size, int) and not isinstance(size, bool) and size > 0
                            for size in shape[1:]) or not (shape[0] is None or isinstance(shape[0], int)):
        raise ValueError(
            f"input_shape must be a tuple like (None, 784): None or an int for the batch axis, then positive "
            f"ints, but got {input_shape!r}"
        )
    return shape


def _read_input_shape(value, config_path):
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(
            size is None or (isinstance(size, int) and not isinstance(size, bool)) for size in value):
        raise CorruptFileError(f"{config_path}: 'input_shape' should be a list like [null, 784], got {value!r}")
    return tuple(value)
