"""CSVLogger: the rows and columns it writes, append mode, and rows kept by an interrupted run."""

import csv

import pytest
from callback_fakes import FakeModel, fit

from deepgrad import callbacks

EPOCHS = [{"val_loss": 0.7, "loss": 0.5, "accuracy": 0.8}, {"val_loss": 0.6, "loss": 0.25, "accuracy": 0.9}]


def read(path, separator=","):
    with open(path, newline="") as file:
        return list(csv.reader(file, delimiter=separator))


def test_writes_a_header_from_the_first_epoch_and_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    fit([callbacks.CSVLogger(path)], EPOCHS)
    assert read(path) == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.8", "0.5", "0.7"],
                          ["1", "0.9", "0.25", "0.6"]]


def test_later_keys_are_left_out_and_missing_ones_are_na(tmp_path):
    path = tmp_path / "log.csv"
    fit([callbacks.CSVLogger(path)], [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "learning_rate": 0.1}])
    assert read(path) == [["epoch", "loss", "val_loss"], ["0", "1.0", "2.0"], ["1", "0.5", "NA"]]


def test_append_adds_rows_under_the_existing_header_and_columns(tmp_path):
    path = tmp_path / "log.csv"
    fit([callbacks.CSVLogger(path)], EPOCHS[:1])
    fit([callbacks.CSVLogger(path, append=True)], [{"loss": 0.1, "accuracy": 0.95, "val_loss": 0.2}])
    assert read(path) == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.8", "0.5", "0.7"],
                          ["0", "0.95", "0.1", "0.2"]]


def test_append_to_a_new_file_writes_the_header_and_without_append_the_file_is_replaced(tmp_path):
    path = tmp_path / "new" / "log.csv"
    fit([callbacks.CSVLogger(path, append=True)], EPOCHS[:1])
    fit([callbacks.CSVLogger(path)], EPOCHS[1:])
    assert read(path) == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.9", "0.25", "0.6"]]


def test_every_finished_epoch_is_in_the_file_before_training_ends(tmp_path):
    path = tmp_path / "log.csv"
    logger = callbacks.CSVLogger(path)
    hooks = callbacks.CallbackList([logger], model=FakeModel(), epochs=3)
    hooks.on_train_begin()
    hooks.on_epoch_end(0, EPOCHS[0])
    assert read(path) == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.8", "0.5", "0.7"]]
    hooks.on_epoch_end(1, EPOCHS[1])
    assert len(read(path)) == 3  # the run is "interrupted" here: on_train_end never comes
    logger.on_train_end()


def test_another_separator_and_list_values(tmp_path):
    path = tmp_path / "log.csv"
    fit([callbacks.CSVLogger(path, separator=";")], [{"loss": 0.5, "sizes": [1, 2]}])
    assert read(path, ";") == [["epoch", "loss", "sizes"], ["0", "0.5", "[1, 2]"]]
    with pytest.raises(ValueError, match="separator must be one character such as ',' or ';', got ', '"):
        callbacks.CSVLogger(path, separator=", ")
