"""save_weights / load_weights: round trips, dotted names readable by other tools, strict loading."""

import re

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import safetensors.torch
import torch

import deepgrad as dg
from deepgrad import nn
from deepgrad.engine.errors import ShapeError
from deepgrad.saving import load_weights, save_weights
from deepgrad.saving.tensor_files import read_tensors, write_tensors


def test_round_trip_of_every_kind_of_layer_buffers_included(tmp_path, make_mixed_model, same_state, inputs):
    model, twin = make_mixed_model(seed=0), make_mixed_model(seed=1)
    assert not np.array_equal(model.state_dict()["1.running_mean"], twin.state_dict()["1.running_mean"])
    save_weights(model, tmp_path / "w.safetensors")
    assert load_weights(twin, tmp_path / "w.safetensors") == ([], [])
    same_state(model, twin)
    assert {"1.running_mean", "1.running_var", "5.weight"} <= set(twin.state_dict())
    model.eval(), twin.eval()
    assert np.array_equal(model(dg.tensor(inputs)).numpy(), twin(dg.tensor(inputs)).numpy())


def test_round_trip_of_an_embedding_model(tmp_path, same_state):
    ids = dg.tensor(np.arange(12).reshape(4, 3) % 10)
    models = []
    for seed in (0, 1):
        dg.manual_seed(seed)
        models.append(nn.Sequential([nn.Embedding(10, 4), nn.Flatten(), nn.Dense(2)]))
        x = ids  # layer by layer: Sequential.build feeds float zeros, which Embedding refuses
        for layer in models[-1]:
            x = layer(x)
    save_weights(models[0], tmp_path / "e.safetensors")
    load_weights(models[1], tmp_path / "e.safetensors")
    same_state(*models)
    assert np.array_equal(models[0](ids).numpy(), models[1](ids).numpy())


class ScaledBlocks(nn.Module):
    """A custom module: a parameter made in __init__, a buffer, a child and a list of children."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(dg.randn(3))
        self.register_buffer("calls", dg.zeros(()))
        self.body = nn.Dense(3)
        self.blocks = [nn.Dense(3), nn.Dense(2)]

    def forward(self, x):
        self.calls = self.calls + 1
        x = self.body(x) * self.scale
        for block in self.blocks:
            x = block(x)
        return x


def test_round_trip_of_a_custom_module(tmp_path, same_state):
    dg.manual_seed(0)
    model, twin = ScaledBlocks(), ScaledBlocks()
    model(dg.ones((2, 4))), model(dg.ones((2, 4))), twin(dg.ones((2, 4)))
    save_weights(model, tmp_path / "custom.safetensors")
    load_weights(twin, tmp_path / "custom.safetensors")
    same_state(model, twin)
    assert twin.calls.item() == 2 and "blocks.1.weight" in twin.state_dict()


def test_the_file_has_the_dotted_names_and_is_read_by_safetensors_and_torch(tmp_path, make_mixed_model):
    model = make_mixed_model()
    path = tmp_path / "w.safetensors"
    save_weights(model, path)
    state = model.state_dict()
    by_numpy = safetensors.numpy.load_file(path)
    by_torch = safetensors.torch.load_file(path)
    assert set(by_numpy) == set(by_torch) == set(state) and "0.weight" in state
    for name, array in state.items():
        assert by_numpy[name].dtype == array.dtype and np.array_equal(by_numpy[name], array)
        assert by_torch[name].dtype == torch.float32 and np.array_equal(by_torch[name].numpy(), array)
    with safetensors.safe_open(path, framework="numpy") as file:
        assert file.metadata() == {"format": "deepgrad-weights", "version": "1"}


def test_strided_arrays_are_written_as_their_values_not_their_memory(tmp_path):
    base = np.arange(12, dtype="float32").reshape(3, 4)
    write_tensors(tmp_path / "t.safetensors", {"view": base[:, ::2], "transposed": base.T}, "deepgrad-weights")
    tensors, _ = read_tensors(tmp_path / "t.safetensors", "deepgrad-weights")
    assert np.array_equal(tensors["view"], base[:, ::2]) and np.array_equal(tensors["transposed"], base.T)


def two_dense(units_in, extra_layer=False):
    model = nn.Sequential([nn.Dense(3), nn.Dense(2)] + ([nn.Dense(1)] if extra_layer else []))
    model.build((None, units_in))
    return model


def test_strict_false_loads_the_names_both_have_and_reports_the_rest(tmp_path):
    small, large = two_dense(4), two_dense(4, extra_layer=True)
    save_weights(small, tmp_path / "small.safetensors")
    untouched = large.state_dict()["2.weight"]
    assert load_weights(large, tmp_path / "small.safetensors", strict=False) == (["2.bias", "2.weight"], [])
    assert np.array_equal(large.state_dict()["0.weight"], small.state_dict()["0.weight"])
    assert np.array_equal(large.state_dict()["2.weight"], untouched)


def test_strict_loading_names_the_file_and_the_keys_and_changes_nothing(tmp_path):
    small, large = two_dense(4), two_dense(4, extra_layer=True)
    save_weights(small, tmp_path / "small.safetensors")
    before = large.state_dict()
    with pytest.raises(KeyError, match=r"small\.safetensors.*missing keys \['2\.bias', '2\.weight'\].*strict=False"):
        load_weights(large, tmp_path / "small.safetensors")
    assert all(np.array_equal(before[k], v) for k, v in large.state_dict().items())


def test_a_shape_mismatch_names_the_key_and_changes_no_weight(tmp_path):
    def six_dense(features):  # one key of twelve differs, so a load that copied as it went would change some
        model = nn.Sequential([nn.Dense(3) for _ in range(6)])
        model.build((None, features))
        return model
    saved, other = six_dense(4), six_dense(5)
    save_weights(saved, tmp_path / "w.safetensors")
    before = other.state_dict()
    with pytest.raises(ShapeError, match=r"w\.safetensors: '0\.weight' has shape \(4, 3\) in the file but \(5, 3\)"):
        load_weights(other, tmp_path / "w.safetensors")
    assert all(np.array_equal(before[k], v) for k, v in other.state_dict().items())


def test_loading_into_a_model_without_weights_says_to_build_it(tmp_path):
    save_weights(two_dense(4), tmp_path / "w.safetensors")
    lazy = nn.Sequential([nn.Dense(3), nn.Dense(2)])
    with pytest.raises(RuntimeError, match=re.escape("or model.build(input_shape)) before loading")):
        load_weights(lazy, tmp_path / "w.safetensors")


def test_saving_a_model_without_weights_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(RuntimeError, match=r"no weights yet \(not built: \['dense.*model\.build"):
        save_weights(nn.Sequential([nn.Dense(3)]), tmp_path / "w.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_a_sequential_of_built_layers_saves_before_its_own_first_call(tmp_path):
    dense = nn.Dense(2)
    dense(dg.ones((1, 3)))
    save_weights(nn.Sequential([dense]), tmp_path / "w.safetensors")
    assert set(safetensors.numpy.load_file(tmp_path / "w.safetensors")) == {"0.weight", "0.bias"}


def test_load_weights_on_a_model_folder_points_to_deepgrad_load(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"deepgrad\.load\(folder\).*weights\.safetensors"):
        load_weights(two_dense(4), tmp_path)


def test_saving_the_same_weights_twice_gives_the_same_bytes(tmp_path, make_mixed_model):
    model = make_mixed_model()
    for i in range(8):  # safetensors alone orders its metadata differently from save to save
        save_weights(model, tmp_path / f"{i}.safetensors")
    first = (tmp_path / "0.safetensors").read_bytes()
    assert all((tmp_path / f"{i}.safetensors").read_bytes() == first for i in range(8))
    assert first[8:].startswith(b'{"__metadata__":{"format":"deepgrad-weights","version":"1"}')
