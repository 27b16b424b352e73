"""The examples in deepgrad.saving's docstrings run and print what they say; the public names."""

import doctest
import importlib

import pytest

from deepgrad import saving

MODULES = ["__init__", "errors", "atomic", "tensor_files", "json_files", "weights", "model", "checkpoint"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("deepgrad.saving" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module.__name__} has no example"
    assert result.failed == 0


def test_the_public_names():
    assert set(saving.__all__) == {"save_weights", "load_weights", "save", "load", "save_checkpoint",
                                   "load_checkpoint", "CorruptFileError"}
    assert issubclass(saving.CorruptFileError, ValueError)
