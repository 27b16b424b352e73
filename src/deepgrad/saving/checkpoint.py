"""Training checkpoints: everything needed to resume a run where it stopped, bit for bit.

`save_checkpoint(path, model, optimizer, epoch, extra)` writes one safetensors file, atomically,
so a checkpoint is always whole: never new weights beside an old optimizer state. It holds

- tensors "model/<name>" for every entry of `model.state_dict()` ("model/0.weight", ...);
- tensors "optimizer/<path>" for every array in `optimizer.state_dict()`, e.g.
  "optimizer/state/0/exp_avg" (state of parameter 0);
- metadata {"format": "deepgrad-checkpoint", "version": "1", "checkpoint": JSON text}, the JSON
  being {"epoch": int or null, "extra": {...} or null, "random_state": {...},
  "optimizer": null or {"class_name": "Adam", "state_dict": ...}}. In that state_dict each array
  is replaced by {"$array": "optimizer/state/0/exp_avg"}, and parameter indices are strings.

"random_state" is `deepgrad.engine.random.get_state()`, the generator that dropout, shuffling and
initialisers draw from: restoring it makes the resumed epochs draw the numbers the unbroken run
would have drawn.

    >>> import os, tempfile
    >>> import deepgrad as dg
    >>> from deepgrad import nn, optim
    >>> model = nn.Sequential([nn.Dense(4, activation="relu"), nn.Dense(1)])
    >>> _ = model(dg.ones((2, 3)))
    >>> optimizer = optim.Adam(model.parameters(), lr=0.01)
    >>> path = os.path.join(tempfile.mkdtemp(), "checkpoint.safetensors")
    >>> save_checkpoint(path, model, optimizer, epoch=5, extra={"best_val_loss": 0.25})
    >>> load_checkpoint(path, model, optimizer)
    {'epoch': 5, 'extra': {'best_val_loss': 0.25}}
"""

import json

from deepgrad.engine import backend
from deepgrad.engine.random import get_state, set_state
from deepgrad.saving.errors import CorruptFileError
from deepgrad.saving.json_files import to_json
from deepgrad.saving.tensor_files import read_tensors, write_tensors
from deepgrad.saving.weights import check_built, check_state

CHECKPOINT_FORMAT = "deepgrad-checkpoint"
_KEYS = ("epoch", "extra", "random_state", "optimizer")


def save_checkpoint(path, model, optimizer=None, epoch=None, extra=None):
    """Write the model's weights, the optimizer's state, `epoch`, the random state and `extra` to `path`.

    `extra` is a dict of JSON data of yours (best loss so far, a schedule's state...); JSON gives
    tuples back as lists.
    """
    check_built(model, "checkpointing")
    if epoch is not None and (isinstance(epoch, bool) or not isinstance(epoch, int)):
        raise TypeError(f"save_checkpoint: epoch must be an int or None, got {epoch!r}")
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"save_checkpoint: extra must be a dict of JSON data or None, got {type(extra).__name__}")
    tensors = {f"model/{name}": array for name, array in model.state_dict().items()}
    record = {"epoch": epoch, "extra": extra, "random_state": get_state(), "optimizer": None}
    if optimizer is not None:
        state_dict, arrays = _split_arrays(optimizer.state_dict(), "optimizer")
        tensors.update(arrays)
        record["optimizer"] = {"class_name": type(optimizer).__name__, "state_dict": state_dict}
    text = to_json(record, "checkpoint", "keep extra to JSON data (arrays: .tolist(), NumPy numbers: float())")
    write_tensors(path, tensors, CHECKPOINT_FORMAT, {"checkpoint": text})


def load_checkpoint(path, model, optimizer=None):
    """Restore the model's weights, the optimizer's state (when given) and the random state from `path`.

    `model` and `optimizer` are made by the same code as the saved ones, the model built. Every
    part is checked first, so a checkpoint that does not fit changes nothing. Returns
    {"epoch": ..., "extra": ...} as saved.
    """
    tensors, metadata = read_tensors(path, CHECKPOINT_FORMAT)
    record = _read_record(metadata, path)
    model_state = {name[len("model/"):]: array for name, array in tensors.items() if name.startswith("model/")}
    check_state(model, model_state, path)
    saved = record["optimizer"]
    if optimizer is not None:
        if saved is None:
            raise ValueError(f"{path} holds no optimizer state (it was saved with optimizer=None); "
                             f"call load_checkpoint(path, model) without an optimizer")
        if not isinstance(saved, dict) or saved.get("class_name") != type(optimizer).__name__:
            found = saved.get("class_name") if isinstance(saved, dict) else saved
            raise ValueError(f"{path} holds the state of a {found}, but the optimizer given is a "
                             f"{type(optimizer).__name__}; make the optimizer the saved run used")
        optimizer_state = _optimizer_state(saved, tensors, path)
    previous = get_state()
    try:
        set_state(record["random_state"])  # changes nothing when the state is not a valid one
    except Exception as error:
        raise CorruptFileError(f"{path}: the saved random state is not valid ({error})") from None
    try:
        if optimizer is not None:
            optimizer.load_state_dict(optimizer_state)  # checks everything before it changes anything
    except BaseException as error:
        set_state(previous)
        if isinstance(error, (KeyError, TypeError, AttributeError)):  # a state_dict of the wrong make
            raise CorruptFileError(f"{path}: the saved optimizer state is not valid: {error!r}") from error
        if isinstance(error, ValueError):  # it does not fit this optimizer: say which file
            raise type(error)(f"{path}: {error}") from error
        raise
    model.load_state_dict(model_state)  # cannot fail: check_state has checked names and shapes
    return {"epoch": record["epoch"], "extra": record["extra"]}


def _split_arrays(value, where):
    """(`value` with each array replaced by {"$array": name}, {name: array}); int keys become strings."""
    if backend.is_array(value):
        return {"$array": where}, {where: backend.to_host(value)}
    arrays = {}
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            plain[str(key)], found = _split_arrays(item, f"{where}/{key}")
            arrays.update(found)
        return plain, arrays
    if isinstance(value, (list, tuple)):
        plain = []
        for i, item in enumerate(value):
            item, found = _split_arrays(item, f"{where}/{i}")
            plain.append(item)
            arrays.update(found)
        return plain, arrays
    return value, arrays


def _join_arrays(value, tensors, path):
    """The inverse of `_split_arrays`: each {"$array": name} becomes the tensor of that name."""
    if isinstance(value, dict):
        if set(value) == {"$array"}:
            if value["$array"] not in tensors:
                raise CorruptFileError(f"{path}: the optimizer state refers to the tensor {value['$array']!r}, "
                                       f"which the file does not hold")
            return tensors[value["$array"]]
        return {key: _join_arrays(item, tensors, path) for key, item in value.items()}
    if isinstance(value, list):
        return [_join_arrays(item, tensors, path) for item in value]
    return value


def _optimizer_state(saved, tensors, path):
    state_dict = _join_arrays(saved.get("state_dict"), tensors, path)
    if not isinstance(state_dict, dict) or not isinstance(state_dict.get("state"), dict):
        raise CorruptFileError(f"{path}: the saved optimizer has no valid 'state_dict'")
    try:  # JSON made the parameter indices strings; give them back as the ints state_dict() had
        state_dict["state"] = {int(key): entries for key, entries in state_dict["state"].items()}
    except ValueError:
        raise CorruptFileError(f"{path}: the optimizer state has a parameter index that is not an integer: "
                               f"{sorted(state_dict['state'])}") from None
    return state_dict


def _read_record(metadata, path):
    try:
        record = json.loads(metadata["checkpoint"])
    except KeyError:
        raise CorruptFileError(f"{path} has no 'checkpoint' entry in its metadata") from None
    except json.JSONDecodeError as error:
        raise CorruptFileError(f"{path}: the 'checkpoint' metadata is not valid JSON ({error.msg} at "
                               f"column {error.colno})") from None
    missing = [key for key in _KEYS if not isinstance(record, dict) or key not in record]
    if missing:
        raise CorruptFileError(f"{path}: the 'checkpoint' metadata lacks the key(s) {missing}")
    return record
