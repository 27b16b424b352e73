"""Loading runs no code from a file: no pickle, no eval, no import of a name found in a file; and the
error when the optional safetensors package is missing names the extra to install."""

import builtins
import importlib
import json
import pickle
import sys

import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.saving import CorruptFileError, load, load_checkpoint, load_weights, save, save_checkpoint, save_weights


@pytest.fixture
def saved(tmp_path):
    """A model saved in the three formats, and a twin to load the weights and the checkpoint into."""
    model = nn.Sequential([nn.Dense(4, activation="relu"), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(2)])
    model.build((None, 3))
    save_weights(model, tmp_path / "w.safetensors")
    save(model, tmp_path / "model", input_shape=(None, 3))
    save_checkpoint(tmp_path / "c.safetensors", model, optim.Adam(model.parameters()), epoch=3)
    twin = nn.Sequential([nn.Dense(4, activation="relu"), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(2)])
    twin.build((None, 3))
    return tmp_path, twin


@pytest.fixture
def imports(monkeypatch):
    """Forbid unpickling, eval and exec, and record every module importlib is asked for."""
    def forbidden(*args, **kwargs):
        raise AssertionError("loading must not unpickle, eval or exec anything")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    asked, real_import = [], importlib.import_module

    def import_module(name, package=None):
        asked.append(name)
        return real_import(name, package)
    monkeypatch.setattr(importlib, "import_module", import_module)
    return asked


def test_loading_every_format_unpickles_nothing_and_imports_nothing_new(saved, imports):
    folder, twin = saved
    load_weights(twin, folder / "w.safetensors")
    assert isinstance(load(folder / "model"), nn.Sequential)
    assert load_checkpoint(folder / "c.safetensors", twin, optim.Adam(twin.parameters()))["epoch"] == 3
    assert set(imports) == {"safetensors.numpy"}  # the optional extra, by a fixed name


@pytest.mark.parametrize("class_name", ["os.system", "subprocess.Popen", "builtins.eval", "__import__", "Tensor"])
def test_a_class_name_in_a_config_is_only_looked_up_among_layer_classes(saved, imports, class_name):
    folder, _ = saved
    config = json.loads((folder / "model" / "config.json").read_text())
    config["config"]["layers"][0] = {"class_name": class_name, "config": {"args": ["echo", "owned"]}}
    (folder / "model" / "config.json").write_text(json.dumps(config))
    with pytest.raises(CorruptFileError, match=f"unknown layer class '{class_name}'"):
        load(folder / "model")
    assert not any(class_name.split(".")[0] in name for name in imports)


@pytest.fixture
def without_safetensors(monkeypatch):
    for name in [name for name in sys.modules if name == "safetensors" or name.startswith("safetensors.")]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules makes `import` fail
    monkeypatch.setitem(sys.modules, "safetensors", None)


def test_saving_without_safetensors_names_the_extra_and_writes_nothing(tmp_path, without_safetensors):
    model = nn.Dense(2)
    model(dg.ones((1, 3)))
    message = r"'safetensors'.*pip install 'deepgrad\[saving\]'"
    with pytest.raises(dg.MissingDependencyError, match=message):
        save_weights(model, tmp_path / "w.safetensors")
    with pytest.raises(dg.MissingDependencyError, match=message):
        save_checkpoint(tmp_path / "c.safetensors", model)
    with pytest.raises(dg.MissingDependencyError, match=message):
        save(model, tmp_path / "model", input_shape=(None, 3))
    assert list(tmp_path.iterdir()) == []


def test_loading_without_safetensors_names_the_extra(saved, without_safetensors):
    folder, twin = saved
    with pytest.raises(ImportError, match=r"pip install 'deepgrad\[saving\]'"):
        load_weights(twin, folder / "w.safetensors")
    with pytest.raises(ImportError, match=r"pip install 'deepgrad\[saving\]'"):
        load(folder / "model")
