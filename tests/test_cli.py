"""The `deepgrad` command: the demo trains on the built-in digits, saves a model and TensorBoard logs."""

import os
import subprocess
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.data import datasets


def test_training_on_digits_end_to_end(tmp_path, capsys):
    """Digits to >= 93% test accuracy in a few seconds; the saved model predicts the same."""
    accuracy, run_dir = cli.train("digits", "mlp", epochs=20, log_dir=str(tmp_path / "run"), verbose=0)
    assert accuracy >= 0.93
    out = capsys.readouterr().out
    assert "test accuracy" in out and str(tmp_path / "run") in out
    assert sorted(os.listdir(tmp_path / "run" / "model")) == ["config.json", "weights.safetensors"]
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / "run" / "logs" / "train"))

    model = dg.load(str(tmp_path / "run" / "model"))
    _, (x_test, y_test) = datasets.load_digits()
    predicted = model.predict(x_test.astype(np.float32)).argmax(axis=1)
    assert (predicted == y_test).mean() == pytest.approx(accuracy, abs=1e-9)


def test_demo_command_runs_from_the_shell(tmp_path):
    result = subprocess.run([sys.executable, "-m", "deepgrad.cli", "demo", "--log-dir", str(tmp_path / "demo")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.split("test accuracy ")[1].split("%")[0]) / 100
    assert accuracy >= 0.95
    lines = result.stdout.splitlines()
    assert sum(line.startswith("Epoch ") for line in lines) == 20  # one line per epoch when not a terminal


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--dataset", "--model", "--epochs", "--batch-size", "--learning-rate", "--optimizer", "--log-dir"):
        assert option in text
    assert "fashion_mnist" in text and "adam" in text


def test_the_cnn_trains_on_digits(tmp_path):
    accuracy, _ = cli.train("digits", "cnn", epochs=3, log_dir=str(tmp_path), verbose=0)
    assert accuracy >= 0.9  # three epochs; a constant guess gets 0.1


def test_unknown_model_says_what_to_use(tmp_path):
    with pytest.raises(SystemExit, match="mlp, cnn"):
        cli.train("digits", "resnet", epochs=1, log_dir=str(tmp_path), verbose=0)


def test_augmentation_shifts_and_mirrors_training_images_and_keeps_validation_untouched():
    (x, y), _ = cli.load("digits")
    loader, validation = cli._augmented(x, y, batch_size=64)
    x_val, y_val = validation["validation_data"]
    cut = int(len(x) * 0.9)
    np.testing.assert_array_equal(x_val, x[cut:].reshape(-1, 1, 8, 8))
    np.testing.assert_array_equal(y_val, y[cut:])
    dg.manual_seed(0)
    batches = list(loader)
    assert sum(len(batch_y) for _, batch_y in batches) == cut
    seen = np.concatenate([batch_x.numpy() for batch_x, _ in batches])
    assert seen.shape == (cut, 1, 8, 8)
    originals = {image.tobytes() for image in x[:cut].reshape(-1, 1, 8, 8)}
    changed = sum(image.tobytes() not in originals for image in seen)
    assert changed > cut // 2  # most images were shifted or mirrored


def test_augmented_training_runs_through_fit(tmp_path):
    accuracy, _ = cli.train("digits", "mlp", epochs=3, log_dir=str(tmp_path), verbose=0, augment=True)
    assert accuracy >= 0.2  # mirrored 8x8 digits are hard, but it learns: chance is 0.1


def test_cosine_schedule_lowers_the_learning_rate_each_epoch(tmp_path, monkeypatch):
    rates = []
    original = dg.callbacks.LearningRateScheduler.on_epoch_begin

    def spy(self, epoch, logs=None):
        original(self, epoch, logs)
        rates.append(self.model.optimizer.lr)

    monkeypatch.setattr(dg.callbacks.LearningRateScheduler, "on_epoch_begin", spy)
    cli.train("digits", "mlp", epochs=4, learning_rate=0.01, log_dir=str(tmp_path), verbose=0, schedule="cosine")
    expected = [0.01 * 0.5 * (1 + np.cos(np.pi * epoch / 4)) for epoch in range(4)]
    np.testing.assert_allclose(rates, expected, rtol=1e-9)
