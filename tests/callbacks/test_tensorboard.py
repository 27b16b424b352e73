"""TensorBoard: write a run, read its event files back with TensorBoard's own reader, check every value."""

import numpy as np
import pytest
from callback_fakes import FakeModel, fit
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from deepgrad import callbacks

EPOCHS = [{"loss": 1.0 - 0.25 * e, "accuracy": 0.5 + 0.1 * e, "val_loss": 2.0 - 0.5 * e, "val_accuracy": 0.4 + e / 10}
          for e in range(3)]
BATCHES = [[{"loss": 1.0 + e + b / 10} for b in range(4)] for e in range(3)]


def read(folder):
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    return events


def scalars(events, tag):
    return [(event.step, event.value) for event in events.Scalars(tag)]


class HalvingModel(FakeModel):
    def train_epoch(self, epoch):
        super().train_epoch(epoch)
        self.optimizer.lr = 0.1 / 2 ** epoch


def test_epoch_scalars_in_train_and_validation_folders_learning_rate_batches_and_histograms(tmp_path):
    board = callbacks.TensorBoard(log_dir=tmp_path, update_freq="batch")
    fit([board], EPOCHS, BATCHES, model=HalvingModel())
    assert board._writers == {}  # closed at the end of training
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"}
    assert set(validation.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy"}
    assert scalars(train, "epoch_loss") == [(0, 1.0), (1, 0.75), (2, 0.5)]
    assert scalars(validation, "epoch_loss") == [(0, 2.0), (1, 1.5), (2, 1.0)]
    assert [v for _, v in scalars(validation, "epoch_accuracy")] == pytest.approx([0.4, 0.5, 0.6])
    assert [v for _, v in scalars(train, "epoch_learning_rate")] == pytest.approx([0.1, 0.05, 0.025])
    steps, values = zip(*scalars(train, "batch_loss"))
    assert steps == tuple(range(1, 13))
    assert values == pytest.approx([1.0 + e + b / 10 for e in range(3) for b in range(4)])
    assert set(train.Tags()["histograms"]) == {"dense.weight/histogram", "dense.weight/gradient",
                                               "dense.bias/histogram"}
    weights = train.Histograms("dense.weight/histogram")
    assert [event.step for event in weights] == [0, 1, 2]
    value = weights[0].histogram_value
    assert (value.min, value.max, value.num, value.sum) == (1.0, 4.0, 4.0, 10.0)
    gradient = train.Histograms("dense.weight/gradient")[0].histogram_value
    assert (gradient.min, gradient.max, gradient.num, gradient.sum) == (0.5, 0.5, 4.0, 2.0)


def test_an_integer_update_freq_writes_every_nth_batch_and_epoch_writes_none(tmp_path):
    fit([callbacks.TensorBoard(tmp_path / "five", update_freq=5, histogram_freq=0)], EPOCHS, BATCHES)
    five = read(tmp_path / "five" / "train")
    assert [step for step, _ in scalars(five, "batch_loss")] == [5, 10]
    assert scalars(five, "batch_loss")[0][1] == pytest.approx(2.0)  # epoch 1, batch 0
    fit([callbacks.TensorBoard(tmp_path / "epoch", histogram_freq=0)], EPOCHS, BATCHES)
    epoch = read(tmp_path / "epoch" / "train")
    assert "batch_loss" not in epoch.Tags()["scalars"] and epoch.Tags()["histograms"] == []


def test_histogram_freq_and_write_lr(tmp_path):
    fit([callbacks.TensorBoard(tmp_path, histogram_freq=2, write_lr=False)], EPOCHS)
    train = read(tmp_path / "train")
    assert [event.step for event in train.Histograms("dense.bias/histogram")] == [0, 2]
    assert "epoch_learning_rate" not in train.Tags()["scalars"]


def test_a_run_without_validation_makes_no_validation_folder(tmp_path):
    fit([callbacks.TensorBoard(tmp_path)], [{"loss": 0.5}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train"]
    assert scalars(read(tmp_path / "train"), "epoch_loss") == [(0, 0.5)]


def test_bad_frequencies_are_refused():
    with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch' or a number of batches >= 1, got 'st"):
        callbacks.TensorBoard(update_freq="step")
    with pytest.raises(ValueError, match="histogram_freq must be a whole number of epochs >= 0"):
        callbacks.TensorBoard(histogram_freq=-1)


def test_histograms_hold_the_parameter_values(tmp_path):
    model = FakeModel()
    fit([callbacks.TensorBoard(tmp_path)], [{"loss": 0.5}], model=model)
    bias = read(tmp_path / "train").Histograms("dense.bias/histogram")[0].histogram_value
    values = dict(model.named_parameters())["dense.bias"].numpy()
    assert (bias.min, bias.max, bias.sum) == (values.min(), values.max(), float(np.sum(values)))
