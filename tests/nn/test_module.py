"""nn.Module: registration, state_dict, strict loading, modes, lazy building; nn.Sequential."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


class Net(nn.Module):
    """Parameters, a buffer, a child, and lists and dicts of children."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(dg.ones(3))
        self.register_buffer("steps", dg.zeros(()))
        self.body = nn.Dense(3)
        self.blocks = [nn.Dense(3), nn.Dense(3)]
        self.heads = {"mean": nn.Dense(1), "spread": nn.Dense(1)}
        self.not_a_layer = [1, 2]

    def forward(self, x):
        x = self.body(x) * self.scale
        for block in self.blocks:
            x = block(x)
        return self.heads["mean"](x) + self.heads["spread"](x)


def built_net():
    net = Net()
    net(dg.ones((2, 4)))
    return net


def test_registration_names_everything_with_dotted_paths():
    net = built_net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["scale", "body.weight", "body.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
                     "blocks.1.bias", "heads.mean.weight", "heads.mean.bias", "heads.spread.weight",
                     "heads.spread.bias"]
    assert [name for name, _ in net.named_buffers()] == ["steps"]
    assert len(net.modules()) == 6 and net.children()[0] is net.body
    assert set(net.state_dict()) == set(names) | {"steps"}


def test_shared_parameters_are_listed_once():
    net = built_net()
    net.blocks[1].weight = net.blocks[0].weight
    assert sum(p is net.blocks[0].weight for p in net.parameters()) == 1


def test_state_dict_holds_copies_and_round_trips():
    net, other = built_net(), built_net()
    state = net.state_dict()
    state["body.bias"][...] = 7
    assert not (net.body.bias.numpy() == 7).any()  # a copy
    other.load_state_dict(net.state_dict())
    x = dg.tensor(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32))
    np.testing.assert_array_equal(other(x).numpy(), net(x).numpy())


def test_strict_loading_names_missing_unexpected_and_mismatched_keys():
    net = built_net()
    state = net.state_dict()
    del state["scale"]
    state["extra.weight"] = np.zeros(2)
    with pytest.raises(KeyError, match=r"missing keys \['scale'\].*unexpected keys \['extra.weight'\]"):
        net.load_state_dict(state)
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["scale"] and unexpected == ["extra.weight"]
    state = net.state_dict()
    state["body.weight"] = np.zeros((5, 3))
    with pytest.raises(dg.ShapeError, match=r"body.weight.*\(5, 3\) in the state but \(4, 3\)"):
        net.load_state_dict(state)


def test_loading_into_an_unbuilt_model_says_to_build_it():
    with pytest.raises(RuntimeError, match="first call"):
        nn.Sequential([nn.Dense(2)]).load_state_dict({"0.weight": np.zeros((3, 2))})


def test_train_eval_zero_grad_and_to():
    net = built_net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(dg.ones((2, 4))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.to("cpu") is net and net.body.weight.device == "cpu"
    with pytest.raises(dg.DeviceError):
        net.to("tpu")


def test_layers_infer_their_input_size_at_the_first_call():
    layer = nn.Dense(3)
    assert not layer.built and layer.parameters() == []
    layer(dg.ones((5, 7)))
    assert layer.built and layer.weight.shape == (7, 3)


def test_buffers_are_saved_but_not_trained():
    net = built_net()
    assert all(p is not net.steps for p in net.parameters())
    net.steps = 5.0  # plain values assigned to a buffer become tensors
    assert isinstance(net.steps, dg.Tensor) and net.state_dict()["steps"] == 5.0


def test_layer_names_follow_keras():
    first, second = nn.LayerNorm(), nn.LayerNorm()
    number = int(second.name.rsplit("_", 1)[1])
    assert second.name.startswith("layer_norm_") and (first.name == "layer_norm" or first.name.endswith(
        f"_{number - 1}"))
    assert nn.Dense(2, name="output").name == "output"


def test_sequential_list_arguments_indexing_add_and_build():
    a, b = nn.Dense(4, activation="relu"), nn.Dense(2)
    for model in (nn.Sequential([a, b]), nn.Sequential(a, b)):
        assert len(model) == 2 and model[0] is a and list(model) == [a, b]
        assert isinstance(model[:1], nn.Sequential) and model[:1][0] is a
    model = nn.Sequential()
    model.add(nn.Dense(4))
    model.add(nn.BatchNorm())
    model.build((None, 3))
    assert model[0].weight.shape == (3, 4)
    np.testing.assert_array_equal(model[1].running_mean.numpy(), np.zeros(4))  # build touched no statistics
    assert model[1].training  # and restored the mode
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    with pytest.raises(TypeError, match="nn.Module"):
        model.add("dense")
    with pytest.raises(TypeError, match="not both"):
        nn.Sequential([a], b)


def test_sequential_config_rebuilds_the_same_model():
    model = nn.Sequential([nn.Dense(4, activation="tanh"), nn.Dropout(0.1), nn.BatchNorm(), nn.Dense(1)])
    model(dg.ones((3, 2)))
    again = nn.deserialize(model.serialize())
    assert again.get_config() == model.get_config()
    again.build((None, 2))
    again.load_state_dict(model.state_dict())
    model.eval(), again.eval()
    x = dg.tensor(np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32))
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
    with pytest.raises(ValueError, match="unknown layer class 'Mystery'"):
        nn.deserialize({"class_name": "Mystery", "config": {}})


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(dg.ones(1))


def test_a_sequential_that_starts_with_an_embedding_builds_and_runs():
    model = nn.Sequential([nn.Embedding(10, 4), nn.Flatten(), nn.Dense(2)])
    assert model(dg.tensor([[1, 2, 3]])).shape == (1, 2)
    again = nn.Sequential([nn.Embedding(10, 4), nn.Flatten(), nn.Dense(2)])
    again.build((None, 3))
    assert again[2].weight.shape == (12, 2)


def test_calling_build_directly_marks_the_layer_built():
    layer = nn.Dense(3)
    layer.build((None, 2))
    weight = layer.weight
    layer(dg.ones((1, 2)))
    assert layer.built and layer.weight is weight  # the first call does not make new weights


def test_a_failed_load_changes_nothing():
    model = nn.Sequential([nn.Dense(3), nn.Dense(2)])
    model(dg.ones((1, 4)))
    before = model.state_dict()
    state = {name: np.full_like(value, 9.0) for name, value in before.items()}
    state["1.weight"] = np.zeros((5, 2), np.float32)
    with pytest.raises(dg.ShapeError):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_a_user_class_named_like_a_builtin_does_not_replace_it():
    class Dense(nn.Module):  # a user's own layer, named like deepgrad's
        def __init__(self, units, name=None):
            super().__init__(name)
            self.units = units

    rebuilt = nn.deserialize(nn.Dense(3, activation="relu").serialize())
    assert type(rebuilt) is nn.Dense and rebuilt.get_config()["activation"] == "relu"
    mine = Dense(4)
    assert type(nn.deserialize({"class_name": mine.serialize()["class_name"], "config": {"units": 4}})) is Dense


def test_default_names_are_keras_snake_case():
    assert nn.Conv2D(4, 3).name.startswith("conv2d") and nn.Conv2DTranspose(2, 3).name.startswith("conv2d_transpose")
    assert nn.MaxPool2D(2).name.startswith("max_pool2d") and nn.BatchNorm().name.startswith("batch_norm")


def test_a_model_built_with_build_can_be_saved_and_loaded(tmp_path):
    model = nn.Sequential([nn.Dense(3, activation="relu"), nn.Dense(2)])
    model.build((None, 4))
    assert model.input_shape == (None, 4)
    dg.save(model, str(tmp_path / "m"))
    again = dg.load(str(tmp_path / "m"))
    x = dg.tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
