"""save_checkpoint / load_checkpoint: a run resumed from a checkpoint ends bit for bit where an unbroken one does."""

import json

import numpy as np
import pytest
import safetensors

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.random import generator, get_state
from deepgrad.saving import load_checkpoint, save_checkpoint

DATA = np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
TARGETS = np.random.default_rng(1).normal(size=(40, 3)).astype("float32")
OPTIMIZERS = {
    "adam": lambda params: optim.Adam(params, lr=0.01),
    "sgd_nesterov": lambda params: optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True),
}


def new_model():
    """Dropout draws from the framework's generator, so a resume that lost the random state would differ."""
    model = nn.Sequential([nn.Dense(16, activation="relu"), nn.Dropout(0.5), nn.BatchNorm(), nn.Dense(3)])
    model.build((None, 5))
    return model


def train(model, optimizer, epochs, batch_size=8):
    """The loop written by hand: a shuffle drawn from deepgrad's generator each epoch, then minibatches."""
    for _ in range(epochs):
        order = generator().permutation(len(DATA))
        for start in range(0, len(DATA), batch_size):
            batch = order[start:start + batch_size]
            loss = ((model(dg.tensor(DATA[batch])) - dg.tensor(TARGETS[batch])) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def unbroken_run(make_optimizer, epochs=4):
    dg.manual_seed(0)
    model = new_model()
    optimizer = make_optimizer(model.parameters())
    train(model, optimizer, epochs)
    return model, optimizer


def resumed_run(make_optimizer, path, load_optimizer=True, reseed_after_loading=None):
    """2 epochs, a checkpoint, then fresh objects (other initial weights) that load it and train 2 more."""
    model, optimizer = unbroken_run(make_optimizer, epochs=2)
    save_checkpoint(path, model, optimizer, epoch=2, extra={"best_loss": 0.5, "note": "halfway"})
    dg.manual_seed(12345)
    model = new_model()
    optimizer = make_optimizer(model.parameters())
    info = load_checkpoint(path, model, optimizer if load_optimizer else None)
    if reseed_after_loading is not None:
        dg.manual_seed(reseed_after_loading)
    train(model, optimizer, 2)
    return model, optimizer, info


def states_equal(first, second):
    a, b = first.state_dict(), second.state_dict()
    return list(a) == list(b) and all(np.array_equal(a[name], b[name]) for name in a)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_resumed_run_ends_bit_for_bit_where_the_unbroken_run_ends(tmp_path, name):
    model, optimizer = unbroken_run(OPTIMIZERS[name])
    random_state = get_state()
    resumed, resumed_optimizer, info = resumed_run(OPTIMIZERS[name], tmp_path / "ckpt.safetensors")
    assert get_state() == random_state  # both runs drew the same numbers, as many of them
    assert info == {"epoch": 2, "extra": {"best_loss": 0.5, "note": "halfway"}}
    assert states_equal(model, resumed)
    expected, got = optimizer.state_dict(), resumed_optimizer.state_dict()
    assert expected["param_groups"] == got["param_groups"] and list(expected["state"]) == list(got["state"])
    for index, entries in expected["state"].items():
        assert entries.keys() == got["state"][index].keys()
        for key, value in entries.items():
            assert np.array_equal(value, got["state"][index][key]), (index, key)


@pytest.mark.parametrize("control", ["random state lost", "optimizer state lost"])
def test_the_resume_test_sees_a_missing_part(tmp_path, control):
    """Controls: without the random state or the optimizer's state the resumed run ends elsewhere."""
    model, _ = unbroken_run(OPTIMIZERS["adam"])
    if control == "random state lost":
        resumed, _, _ = resumed_run(OPTIMIZERS["adam"], tmp_path / "c.safetensors", reseed_after_loading=99)
    else:
        resumed, _, _ = resumed_run(OPTIMIZERS["adam"], tmp_path / "c.safetensors", load_optimizer=False)
    assert not states_equal(model, resumed)


def test_the_random_state_survives_json_exactly(tmp_path):
    dg.manual_seed(2**62 + 12345)
    model = new_model()
    state = get_state()
    assert state["state"]["state"] > 2**64  # a 128-bit integer, beyond what a float could keep
    save_checkpoint(tmp_path / "c.safetensors", model)
    expected = generator().random(5)
    with safetensors.safe_open(tmp_path / "c.safetensors", framework="numpy") as file:
        assert json.loads(file.metadata()["checkpoint"])["random_state"] == state
    dg.manual_seed(0)
    load_checkpoint(tmp_path / "c.safetensors", model)
    assert np.array_equal(generator().random(5), expected)


def test_the_file_keeps_arrays_as_tensors_and_the_rest_as_json(tmp_path):
    dg.manual_seed(0)
    model = new_model()
    optimizer = optim.Adam(model.parameters())
    train(model, optimizer, 1)
    save_checkpoint(tmp_path / "c.safetensors", model, optimizer, epoch=1)
    with safetensors.safe_open(tmp_path / "c.safetensors", framework="numpy") as file:
        names, metadata = set(file.keys()), file.metadata()
        assert np.array_equal(file.get_tensor("optimizer/state/0/exp_avg"), optimizer.state[model[0].weight]["exp_avg"])
    assert {"model/0.weight", "model/2.running_var", "optimizer/state/3/exp_avg_sq"} <= names
    assert metadata["format"] == "deepgrad-checkpoint" and metadata["version"] == "1"
    record = json.loads(metadata["checkpoint"])
    assert set(record) == {"epoch", "extra", "random_state", "optimizer"} and record["epoch"] == 1
    assert record["optimizer"]["class_name"] == "Adam"
    saved_state = record["optimizer"]["state_dict"]["state"]
    assert saved_state["0"] == {"step": 5, "exp_avg": {"$array": "optimizer/state/0/exp_avg"},
                                "exp_avg_sq": {"$array": "optimizer/state/0/exp_avg_sq"}}
    assert record["optimizer"]["state_dict"]["param_groups"][0]["betas"] == [0.9, 0.999]


def test_extra_comes_back_as_json_gives_it(tmp_path):
    model = new_model()
    save_checkpoint(tmp_path / "c.safetensors", model, extra={"history": (1, 2.5), "nested": {"ok": None}})
    assert load_checkpoint(tmp_path / "c.safetensors", model) == {
        "epoch": None, "extra": {"history": [1, 2.5], "nested": {"ok": None}}}


def test_a_checkpoint_without_optimizer_state_loads_into_the_model_and_refuses_an_optimizer(tmp_path):
    model = new_model()
    save_checkpoint(tmp_path / "c.safetensors", model)
    other = new_model()
    load_checkpoint(tmp_path / "c.safetensors", other)
    assert states_equal(model, other)
    with pytest.raises(ValueError, match=r"holds no optimizer state.*load_checkpoint\(path, model\)"):
        load_checkpoint(tmp_path / "c.safetensors", other, optim.Adam(other.parameters()))


def test_the_optimizer_must_be_of_the_saved_kind(tmp_path):
    model = new_model()
    save_checkpoint(tmp_path / "c.safetensors", model, optim.Adam(model.parameters()))
    with pytest.raises(ValueError, match="state of a Adam, but the optimizer given is a AdamW"):
        load_checkpoint(tmp_path / "c.safetensors", model, optim.AdamW(model.parameters()))


def snapshot(model, optimizer):
    return model.state_dict(), optimizer.state_dict(), get_state()


def assert_unchanged(before, model, optimizer):
    weights, optimizer_state, random_state = before
    assert all(np.array_equal(weights[k], v) for k, v in model.state_dict().items())
    assert json.dumps(optimizer.state_dict(), default=lambda a: a.tolist()) == json.dumps(
        optimizer_state, default=lambda a: a.tolist())
    assert get_state() == random_state


def test_a_checkpoint_of_another_model_changes_nothing(tmp_path):
    dg.manual_seed(0)
    model = new_model()
    save_checkpoint(tmp_path / "c.safetensors", model, optim.Adam(model.parameters()))
    other = nn.Sequential([nn.Dense(16, activation="relu"), nn.Dropout(0.5), nn.BatchNorm(), nn.Dense(3)])
    other.build((None, 6))
    optimizer = optim.Adam(other.parameters())
    before = snapshot(other, optimizer)
    with pytest.raises(ShapeError, match=r"c\.safetensors: '0\.weight' has shape \(5, 16\) in the file"):
        load_checkpoint(tmp_path / "c.safetensors", other, optimizer)
    assert_unchanged(before, other, optimizer)


def test_an_optimizer_that_does_not_fit_changes_nothing(tmp_path):
    dg.manual_seed(0)
    model = new_model()
    optimizer = optim.Adam(model.parameters())
    train(model, optimizer, 1)
    save_checkpoint(tmp_path / "c.safetensors", model, optimizer)
    fresh = new_model()
    smaller = optim.Adam(fresh.parameters()[:2])
    before = snapshot(fresh, smaller)
    with pytest.raises(ValueError, match=r"c\.safetensors: Adam: parameter group 0 has 2 parameter"):
        load_checkpoint(tmp_path / "c.safetensors", fresh, smaller)
    assert_unchanged(before, fresh, smaller)


def test_what_json_cannot_hold_is_refused_by_name_and_nothing_is_written(tmp_path):
    model = new_model()
    with pytest.raises(TypeError, match=r"checkpoint\['extra'\]\['loss'\] is .*float32.*float\(\)"):
        save_checkpoint(tmp_path / "c.safetensors", model, extra={"loss": np.float32(0.5)})
    with pytest.raises(TypeError, match=r"checkpoint\['extra'\] has the key 3 \(int\)"):
        save_checkpoint(tmp_path / "c.safetensors", model, extra={3: "three"})
    with pytest.raises(TypeError, match="extra must be a dict"):
        save_checkpoint(tmp_path / "c.safetensors", model, extra=[1, 2])
    with pytest.raises(TypeError, match="epoch must be an int or None, got 2.0"):
        save_checkpoint(tmp_path / "c.safetensors", model, epoch=2.0)
    assert list(tmp_path.iterdir()) == []
