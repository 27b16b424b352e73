"""The examples in deepgrad.data's docstrings run and print what they say; the public names."""

import doctest
import importlib

import pytest

from deepgrad import data
from deepgrad.data import datasets

MODULES = ["deepgrad.data", "deepgrad.data.dataset", "deepgrad.data.loader", "deepgrad.data.datasets",
           "deepgrad.data.datasets.idx", "deepgrad.data.datasets.download", "deepgrad.data.datasets.mnist",
           "deepgrad.data.datasets.digits", "deepgrad.data.datasets.synthetic", "deepgrad.data.text"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0


def test_the_public_names():
    assert set(data.__all__) == {"Dataset", "TensorDataset", "DataLoader", "datasets", "text", "transforms"}
    assert set(datasets.__all__) == {"load_mnist", "load_fashion_mnist", "load_digits", "load_bbc_news",
                                     "BBC_NEWS_CLASS_NAMES", "load_sunspots", "make_spirals", "make_moons",
                                     "make_xor", "make_sine", "DatasetNotFoundError", "ChecksumError",
                                     "IDXFormatError"}
    assert all(hasattr(module, name) for module in (data, datasets) for name in module.__all__)
    assert issubclass(datasets.DatasetNotFoundError, FileNotFoundError)
