"""Damaged, truncated or foreign files raise CorruptFileError (a ValueError) naming the file and the problem."""

import hashlib
import json
import re

import numpy as np
import pytest
import safetensors.numpy

from deepgrad import nn, optim
from deepgrad.engine.errors import ShapeError
from deepgrad.saving import CorruptFileError, load, load_checkpoint, load_weights, save, save_checkpoint, save_weights


@pytest.fixture
def model():
    model = nn.Sequential([nn.Dense(4, activation="relu"), nn.BatchNorm(), nn.Dense(2)])
    model.build((None, 3))
    return model


@pytest.fixture
def weights_file(tmp_path, model):
    save_weights(model, tmp_path / "w.safetensors")
    return tmp_path / "w.safetensors"


def expect_corrupt(path, problem, load_it):
    """`load_it()` raises CorruptFileError whose message names `path` and matches `problem`."""
    with pytest.raises(CorruptFileError, match=re.escape(str(path)) + ".*" + problem) as info:
        load_it()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("damage,problem", [
    (lambda data: data[:-5], "not a whole safetensors file .*truncated"),
    (lambda data: data[:6], "not a whole safetensors file"),
    (lambda data: b"", "not a whole safetensors file"),
    (lambda data: b"\x00garbage bytes, not a header" * 3, "not a whole safetensors file"),
    (lambda data: data[:8] + b"[" + data[9:], "not a whole safetensors file"),
])
def test_truncated_or_garbage_weights(weights_file, model, damage, problem):
    weights_file.write_bytes(damage(weights_file.read_bytes()))
    expect_corrupt(weights_file, problem, lambda: load_weights(model, weights_file))


@pytest.mark.parametrize("metadata,problem", [
    (None, r"was not written by deepgrad: it records no 'format'.*safetensors\.numpy\.load_file"),
    ({"format": "pt"}, "holds a 'pt', not a 'deepgrad-weights'; it was not written by deepgrad"),
    ({"format": "deepgrad-checkpoint", "version": "1"}, r"load it with load_checkpoint\(path, model, optimizer\)"),
    ({"format": "deepgrad-weights", "version": "2"}, "version 2, written by a newer deepgrad.*Upgrade deepgrad"),
    ({"format": "deepgrad-weights", "version": "one"}, "invalid format version 'one'"),
    ({"format": "deepgrad-weights"}, "invalid format version None"),
])
def test_safetensors_files_that_are_not_deepgrad_weights(tmp_path, model, metadata, problem):
    path = tmp_path / "foreign.safetensors"
    safetensors.numpy.save_file(model.state_dict(), path, metadata=metadata)
    expect_corrupt(path, problem, lambda: load_weights(model, path))


def test_a_weights_file_is_not_a_checkpoint(weights_file, model):
    expect_corrupt(weights_file, r"holds a 'deepgrad-weights'.*load_weights\(model, path\)",
                   lambda: load_checkpoint(weights_file, model))


@pytest.fixture
def checkpoint_parts(model):
    """(tensors, record) of a real checkpoint of the model and an Adam optimizer, to damage and rewrite."""
    return {f"model/{k}": v for k, v in model.state_dict().items()}, {
        "epoch": 1, "extra": None, "random_state": {"bit_generator": "PCG64", "state": {"state": 1, "inc": 3},
                                                    "has_uint32": 0, "uinteger": 0}, "optimizer": None}


def write_checkpoint(path, tensors, checkpoint_text):
    metadata = {"format": "deepgrad-checkpoint", "version": "1"}
    if checkpoint_text is not None:
        metadata["checkpoint"] = checkpoint_text
    safetensors.numpy.save_file(tensors, path, metadata=metadata)


def test_the_checkpoint_helper_writes_a_loadable_file(tmp_path, model, checkpoint_parts):
    tensors, record = checkpoint_parts
    write_checkpoint(tmp_path / "c.safetensors", tensors, json.dumps(record))
    assert load_checkpoint(tmp_path / "c.safetensors", model) == {"epoch": 1, "extra": None}


@pytest.mark.parametrize("edit,problem", [
    (lambda record: None, "has no 'checkpoint' entry in its metadata"),
    (lambda record: json.dumps(record)[:-3], "the 'checkpoint' metadata is not valid JSON"),
    (lambda record: json.dumps([1, 2]), r"lacks the key\(s\) \['epoch', 'extra', 'random_state', 'optimizer'\]"),
    (lambda record: json.dumps({k: v for k, v in record.items() if k != "random_state"}),
     r"lacks the key\(s\) \['random_state'\]"),
    (lambda record: json.dumps({**record, "random_state": {"bit_generator": "PCG64"}}),
     "the saved random state is not valid"),
])
def test_damaged_checkpoint_metadata(tmp_path, model, checkpoint_parts, edit, problem):
    tensors, record = checkpoint_parts
    write_checkpoint(tmp_path / "c.safetensors", tensors, edit(record))
    expect_corrupt(tmp_path / "c.safetensors", problem, lambda: load_checkpoint(tmp_path / "c.safetensors", model))


def test_a_checkpoint_whose_optimizer_state_lacks_an_array(tmp_path, model):
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for p in model.parameters():
        p.grad = p.detach() * 0 + 1
    optimizer.step()
    save_checkpoint(tmp_path / "c.safetensors", model, optimizer)
    with safetensors.safe_open(tmp_path / "c.safetensors", framework="numpy") as file:
        metadata = file.metadata()
        tensors = {k: file.get_tensor(k) for k in file.keys() if k != "optimizer/state/1/momentum_buffer"}
    write_checkpoint(tmp_path / "c.safetensors", tensors, metadata["checkpoint"])
    expect_corrupt(tmp_path / "c.safetensors", "refers to the tensor 'optimizer/state/1/momentum_buffer', which",
                   lambda: load_checkpoint(tmp_path / "c.safetensors", model, optimizer))


def test_a_truncated_checkpoint(tmp_path, model):
    save_checkpoint(tmp_path / "c.safetensors", model)
    data = (tmp_path / "c.safetensors").read_bytes()
    (tmp_path / "c.safetensors").write_bytes(data[:len(data) // 2])
    expect_corrupt(tmp_path / "c.safetensors", "not a whole safetensors file",
                   lambda: load_checkpoint(tmp_path / "c.safetensors", model))


@pytest.fixture
def folder(tmp_path, model):
    save(model, tmp_path / "model", input_shape=(None, 3))
    return tmp_path / "model"


def edit_config(folder, edit):
    """Replace config.json by `edit` (text or bytes) or by what `edit(config)` returns."""
    if callable(edit):
        edit = edit(json.loads((folder / "config.json").read_text()))
    (folder / "config.json").write_bytes(edit if isinstance(edit, bytes) else edit.encode())


@pytest.mark.parametrize("edit,problem", [
    ('{"format": "deepgrad-model", "version": 1, "class_na', r"is not valid JSON \(.* at line 1, column"),
    (b"\xff\xfe{not utf-8", "is not JSON text"),
    ("[1, 2, 3]", "should hold a JSON object {...}, but holds a list"),
    (lambda c: json.dumps({**c, "format": "keras"}), "holds a 'keras', not a 'deepgrad-model'"),
    (lambda c: json.dumps({**c, "version": 7}), "version 7, written by a newer deepgrad"),
    (lambda c: json.dumps({k: v for k, v in c.items() if k not in ("config", "weights_sha256")}),
     r"lacks the key\(s\) \['config', 'weights_sha256'\]"),
    (lambda c: json.dumps({**c, "class_name": "NoSuchLayer"}),
     "cannot make the model again from its config: unknown layer class 'NoSuchLayer'; define"),
    (lambda c: json.dumps({**c, "config": {**c["config"], "layers": [{"class_name": "Dense", "config": {}}]}}),
     "cannot make the model again from its config: .*units"),
    (lambda c: json.dumps({**c, "input_shape": "(None, 3)"}), r"'input_shape' should be a list like \[null, 784\]"),
    (lambda c: json.dumps({**c, "input_shape": [None, 3, 3, 3, 3]}), r"cannot build Sequential for inputs of shape"),
    (lambda c: json.dumps({**c, "weights_sha256": "0" * 64}), "weights.safetensors is not the file"),
])
def test_damaged_model_configs(folder, edit, problem):
    edit_config(folder, edit)
    expect_corrupt(folder, problem, lambda: load(folder))


def test_damaged_weights_beside_a_matching_config(folder):
    garbage = b"\x10" + b"\x00" * 7 + b"{oops}  "
    (folder / "weights.safetensors").write_bytes(garbage)
    edit_config(folder, lambda c: json.dumps({**c, "weights_sha256": hashlib.sha256(garbage).hexdigest()}))
    expect_corrupt(folder / "weights.safetensors", "not a whole safetensors file", lambda: load(folder))


def test_a_config_whose_sizes_do_not_fit_the_weights_names_the_key(folder):
    edit_config(folder, lambda c: json.dumps({**c, "input_shape": [None, 5]}))
    with pytest.raises(ShapeError, match=r"weights\.safetensors: '0\.weight' has shape \(3, 4\) in the file but "
                                         r"\(5, 4\)"):
        load(folder)


def test_a_folder_without_its_weights(folder):
    (folder / "weights.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="has a config.json but no weights.safetensors"):
        load(folder)


def test_loaded_arrays_are_the_saved_ones_after_a_clean_round_trip(folder, model):
    """The control for the cases above: the untouched folder loads."""
    assert all(np.array_equal(a, b) for a, b in zip(load(folder).state_dict().values(), model.state_dict().values()))
