"""ModelCheckpoint: what it saves, when, under which name; and real files through deepgrad.saving."""

import os

import numpy as np
import pytest
from callback_fakes import fit

import deepgrad as dg
from deepgrad import callbacks, nn, saving

EPOCHS = [{"loss": 1.0, "val_loss": 0.5}, {"loss": 0.8, "val_loss": 0.6}, {"loss": 0.6, "val_loss": 0.4}]


def test_saves_the_whole_model_every_epoch_with_the_epoch_and_logs_in_the_name():
    model, _, _ = fit([callbacks.ModelCheckpoint("m-{epoch:02d}-{val_loss:.2f}-{loss:.1f}")], EPOCHS)
    assert model.calls == [("save", "m-01-0.50-1.0"), ("save", "m-02-0.60-0.8"), ("save", "m-03-0.40-0.6")]


def test_save_weights_only_calls_save_weights():
    model, _, _ = fit([callbacks.ModelCheckpoint("w.safetensors", save_weights_only=True)], EPOCHS)
    assert model.calls == [("save_weights", "w.safetensors")] * 3


def test_save_best_only_saves_when_the_monitored_value_improves():
    checkpoint = callbacks.ModelCheckpoint("best-{epoch}", save_best_only=True)
    model, _, _ = fit([checkpoint], EPOCHS)
    assert model.calls == [("save", "best-1"), ("save", "best-3")] and checkpoint.best == 0.4


def test_save_best_only_maximises_accuracies_and_honours_initial_value_threshold():
    logs = [{"val_accuracy": a} for a in (0.6, 0.5, 0.8, 0.8)]
    model, _, _ = fit([callbacks.ModelCheckpoint("a-{epoch}", monitor="val_accuracy", save_best_only=True)], logs)
    assert model.calls == [("save", "a-1"), ("save", "a-3")]
    checkpoint = callbacks.ModelCheckpoint("a-{epoch}", monitor="val_accuracy", save_best_only=True,
                                           initial_value_threshold=0.7)
    model, _, _ = fit([checkpoint], logs)
    assert model.calls == [("save", "a-3")]
    model, _, _ = fit([callbacks.ModelCheckpoint("m-{epoch}", monitor="val_accuracy", mode="min",
                                                 save_best_only=True)], logs)
    assert model.calls == [("save", "m-1"), ("save", "m-2")]


def test_save_best_only_without_the_monitored_value_warns_and_skips():
    with pytest.warns(UserWarning, match="only with 'val_loss' in the logs, which hold loss"):
        model, _, _ = fit([callbacks.ModelCheckpoint("x", save_best_only=True)], [{"loss": 1.0}])
    assert model.calls == []


def test_an_integer_save_freq_saves_every_n_batches_across_epochs():
    batch_logs = [[{"loss": 0.1 * (b + 1)} for b in range(3)] for _ in range(2)]
    checkpoint = callbacks.ModelCheckpoint("e{epoch}-b{batch}-{loss:.1f}", save_freq=2)
    model, _, _ = fit([checkpoint], [{"loss": 1.0}, {"loss": 1.0}], batch_logs)
    assert model.calls == [("save", "e1-b2-0.2"), ("save", "e2-b1-0.1"), ("save", "e2-b3-0.3")]


def test_a_field_missing_from_the_logs_names_itself_and_the_logs():
    with pytest.raises(KeyError, match="field 'val_acc' of filepath 'm-{val_acc}': the logs hold loss, val_loss"):
        fit([callbacks.ModelCheckpoint("m-{val_acc}")], EPOCHS)


def test_bad_save_freq_is_refused():
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a number of batches >= 1, got 0"):
        callbacks.ModelCheckpoint("m", save_freq=0)


def test_makes_missing_folders_and_writes_nothing_itself(tmp_path):
    path = tmp_path / "runs" / "one" / "m-{epoch}.safetensors"
    model, _, _ = fit([callbacks.ModelCheckpoint(path, save_weights_only=True)], EPOCHS[:1])
    assert model.calls == [("save_weights", str(tmp_path / "runs" / "one" / "m-1.safetensors"))]
    assert (tmp_path / "runs" / "one").is_dir() and os.listdir(tmp_path / "runs" / "one") == []


def test_real_files_from_a_real_model_through_deepgrad_saving(tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential([nn.Dense(3), nn.Dense(1)])
    model(dg.ones((2, 4)))
    model.save_weights = lambda path: saving.save_weights(model, path)  # as Module's own methods will
    model.save = lambda path: saving.save(model, path)
    model.stop_training = False
    weights = callbacks.ModelCheckpoint(tmp_path / "w-{epoch:02d}.safetensors", save_weights_only=True,
                                        save_best_only=True)
    whole = callbacks.ModelCheckpoint(tmp_path / "model-{epoch}")
    hooks = callbacks.CallbackList([weights, whole], model=model, epochs=3)
    hooks.on_train_begin()
    states = {}
    for epoch, val_loss in enumerate([0.5, 0.7, 0.3]):
        for p in model.parameters():
            p.data *= 2.0
        states[epoch] = model.state_dict()
        hooks.on_epoch_end(epoch, {"val_loss": val_loss})
    hooks.on_train_end()
    assert sorted(os.listdir(tmp_path)) == ["model-1", "model-2", "model-3", "w-01.safetensors", "w-03.safetensors"]
    twin = nn.Sequential([nn.Dense(3), nn.Dense(1)])
    twin(dg.ones((2, 4)))
    saving.load_weights(twin, tmp_path / "w-03.safetensors")
    reloaded = saving.load(tmp_path / "model-2")
    for name, value in states[2].items():
        np.testing.assert_array_equal(twin.state_dict()[name], value)
        np.testing.assert_array_equal(reloaded.state_dict()[name], states[1][name])
