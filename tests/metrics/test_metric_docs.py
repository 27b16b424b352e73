"""The examples in deepgrad.metrics' docstrings run and print what they say."""

import doctest
import importlib

import numpy as np
import pytest

from deepgrad import metrics
from deepgrad.nn import losses

MODULES = ["", ".base", ".accuracy", ".regression", ".confusion", ".lookup"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("deepgrad.metrics" + name)
    result = doctest.testmod(module, extraglobs={"np": np, "metrics": metrics, "losses": losses},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module.__name__} has no example"
    assert result.failed == 0


def test_every_public_name_is_documented():
    for name in metrics.__all__:
        assert getattr(metrics, name).__doc__, name
