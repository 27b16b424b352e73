"""The examples in deepgrad.callbacks' docstrings run and print what they say."""

import doctest
import importlib

import pytest

from deepgrad import callbacks

MODULES = ["", ".callback", ".history", ".progbar", ".monitor", ".early_stopping", ".model_checkpoint",
           ".csv_logger", ".tensorboard", ".learning_rate", ".terminate_on_nan"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes files writes them here
    module = importlib.import_module("deepgrad.callbacks" + name)
    result = doctest.testmod(module, extraglobs={"callbacks": callbacks}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module.__name__} has no example"
    assert result.failed == 0


def test_the_public_names_are_kerass():
    assert set(callbacks.__all__) == {"Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
                                      "ModelCheckpoint", "CSVLogger", "TensorBoard", "LearningRateScheduler",
                                      "ReduceLROnPlateau", "TerminateOnNaN"}
    for name in callbacks.__all__:
        assert getattr(callbacks, name).__doc__, name
