"""deepgrad.save / deepgrad.load: a folder of JSON and safetensors that rebuilds a model without its code."""

import hashlib
import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.saving import load, save


def test_load_rebuilds_a_sequential_with_identical_predictions(tmp_path, make_mixed_model, same_state, inputs):
    model = make_mixed_model()
    save(model, tmp_path / "model", input_shape=(None, 5))
    loaded = load(tmp_path / "model")
    assert type(loaded) is nn.Sequential and loaded is not model
    assert [layer.serialize() for layer in loaded] == [layer.serialize() for layer in model]
    same_state(model, loaded)
    assert all(module.training for module in loaded.modules())  # training mode, as a new model
    model.eval(), loaded.eval()
    assert np.array_equal(loaded(dg.tensor(inputs)).numpy(), model(dg.tensor(inputs)).numpy())


def test_the_folder_holds_config_json_and_weights_safetensors_as_documented(tmp_path, make_mixed_model):
    model = make_mixed_model()
    save(model, tmp_path / "model", input_shape=(None, 5))
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    weights = (tmp_path / "model" / "weights.safetensors").read_bytes()
    assert config == {
        "format": "deepgrad-model", "version": 1, "class_name": "Sequential",
        "config": json.loads(json.dumps(model.get_config())), "input_shape": [None, 5],
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    assert config["config"]["layers"][1] == {"class_name": "BatchNorm",
                                             "config": {"momentum": 0.1, "epsilon": 1e-5, "name": model[1].name}}


def test_input_shape_comes_from_the_model_when_not_given(tmp_path, make_mixed_model):
    model = make_mixed_model()
    model.input_shape = (None, 5)  # what the training loop records at the first call
    save(model, tmp_path / "model")
    assert json.loads((tmp_path / "model" / "config.json").read_text())["input_shape"] == [None, 5]
    assert load(tmp_path / "model").input_shape == (None, 5)


def test_a_loaded_model_saves_again_without_being_told_its_input_shape(tmp_path, make_mixed_model, same_state):
    save(make_mixed_model(), tmp_path / "first", input_shape=(None, 5))
    save(load(tmp_path / "first"), tmp_path / "second")
    assert (tmp_path / "first" / "config.json").read_text() == (tmp_path / "second" / "config.json").read_text()
    same_state(load(tmp_path / "first"), load(tmp_path / "second"))


def test_a_lazy_model_needs_its_input_shape_and_nothing_is_written_without_it(tmp_path, make_mixed_model):
    model = make_mixed_model()
    model.input_shape = None  # as for a model whose layers were built one by one, not through the model
    with pytest.raises(ValueError, match=r"input_shape=\(None, 784\)"):
        save(model, tmp_path / "model")
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize("bad", [(None, 0), (None, "5"), 5, (), (None, None, 4), (None, 5.0)])
def test_an_input_shape_that_is_not_one_is_refused(tmp_path, make_mixed_model, bad):
    with pytest.raises(ValueError, match=r"input_shape must be a tuple like \(None, 784\).*got "):
        save(make_mixed_model(), tmp_path / "model", input_shape=bad)


def test_a_single_layer_loads_built_so_its_next_call_keeps_the_loaded_weights(tmp_path):
    dense = nn.Dense(3, activation="relu")
    x = dg.randn(4, 2)
    expected = dense(x).numpy()
    save(dense, tmp_path / "dense", input_shape=(None, 2))
    loaded = load(tmp_path / "dense")
    assert loaded.built
    weight = loaded.weight
    assert np.array_equal(loaded(x).numpy(), expected) and loaded.weight is weight


def test_save_and_load_leave_the_random_stream_where_it_was(tmp_path, make_mixed_model):
    model = make_mixed_model()
    dg.manual_seed(3)
    expected = dg.rand(5).numpy()
    dg.manual_seed(3)
    save(model, tmp_path / "model", input_shape=(None, 5))  # both make the model again from its config,
    load(tmp_path / "model")  # which draws initial weights: a save in the middle of training must not show
    assert np.array_equal(dg.rand(5).numpy(), expected)


def test_a_wrong_input_shape_is_caught_at_save_time_not_at_load_time(tmp_path, make_mixed_model):
    with pytest.raises(ValueError, match=r"for input_shape \(None, 7\) would not have the weights it has: "
                                         r"'0\.weight' would be \(7, 8\) but is \(5, 8\)\. Check input_shape"):
        save(make_mixed_model(), tmp_path / "model", input_shape=(None, 7))
    assert not (tmp_path / "model").exists()


class ForgetfulConfig(nn.Module):
    """A layer whose get_config forgets an __init__ argument: made again, it has other weights."""

    def __init__(self, size=2, name=None):
        super().__init__(name)
        self.scale = nn.Parameter(dg.ones(size))

    def forward(self, x):
        return x * self.scale


def test_a_layer_whose_config_does_not_make_it_again_is_caught_at_save_time(tmp_path):
    with pytest.raises(ValueError, match=r"'scale' would be \(2,\) but is \(5,\).*get_config returns all"):
        save(ForgetfulConfig(5), tmp_path / "forgetful")
    assert not (tmp_path / "forgetful").exists()


class SavedAffine(nn.Module):
    """A user's layer with its weights made in __init__ and a config: rebuilt once its class is defined."""

    def __init__(self, size, offset=0.0, name=None):
        super().__init__(name)
        self.size, self.offset = size, offset
        self.scale = nn.Parameter(dg.randn(size))

    def forward(self, x):
        return x * self.scale + self.offset

    def get_config(self):
        return {"size": self.size, "offset": self.offset, "name": self.name}


def test_a_users_layer_is_rebuilt_from_the_registry_of_defined_classes(tmp_path, same_state):
    layer = SavedAffine(4, offset=0.5)
    save(layer, tmp_path / "affine")  # weights made in __init__: no input shape needed
    loaded = load(tmp_path / "affine")
    assert type(loaded) is SavedAffine and loaded.offset == 0.5 and loaded.name == layer.name
    same_state(layer, loaded)


def test_a_callable_activation_is_refused_naming_where_it_is(tmp_path):
    model = nn.Sequential([nn.Dense(3, activation=lambda x: x * 2), nn.Dense(1)])
    model.build((None, 2))
    with pytest.raises(TypeError, match=r"model\.serialize\(\)\['config'\]\['layers'\]\[0\]\['config'\]"
                                        r"\['activation'\] is a function.*save_weights"):
        save(model, tmp_path / "model", input_shape=(None, 2))
    assert not (tmp_path / "model").exists()


def test_saving_over_a_saved_model_replaces_it(tmp_path, make_mixed_model, same_state):
    save(make_mixed_model(seed=0), tmp_path / "model", input_shape=(None, 5))
    newer = make_mixed_model(seed=1)
    save(newer, tmp_path / "model", input_shape=(None, 5))
    same_state(newer, load(tmp_path / "model"))


def test_paths_that_are_not_model_folders_say_what_to_do(tmp_path, make_mixed_model):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="is a file; deepgrad.save writes a folder"):
        save(make_mixed_model(), tmp_path / "file", input_shape=(None, 5))
    with pytest.raises(NotADirectoryError, match=r"load_weights\(model, path\)"):
        load(tmp_path / "file")
    with pytest.raises(FileNotFoundError, match="there is no saved model at"):
        load(tmp_path / "nowhere")
