"""The examples in deepgrad.optim's docstrings run and print what they say; each optimizer states its rule."""

import doctest
import importlib
import inspect

import pytest

from deepgrad import optim

MODULES = ["__init__", "optimizer", "sgd", "adam", "rmsprop", "adagrad", "clipping", "schedules"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("deepgrad.optim" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module.__name__} has no example"
    assert result.failed == 0


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad])
def test_each_optimizer_states_its_update_rule_and_shows_an_example(cls):
    doc = cls.__doc__
    assert "p = p" in doc and ">>>" in doc and "PyTorch's update rule" in doc


def test_the_public_names():
    assert set(optim.__all__) == {"Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "clip_grad_norm",
                                  "clip_grad_value", "schedules", "get"}
    assert {"StepLR", "ExponentialLR", "CosineAnnealing", "ReduceLROnPlateau"} <= set(vars(optim.schedules))


@pytest.mark.parametrize("cls,arguments", [
    (optim.SGD, "params lr momentum nesterov weight_decay dampening"),
    (optim.Adam, "params lr betas eps weight_decay amsgrad"),
    (optim.AdamW, "params lr betas eps weight_decay amsgrad"),
    (optim.RMSprop, "params lr alpha eps weight_decay momentum centered"),
    (optim.Adagrad, "params lr lr_decay weight_decay initial_accumulator_value eps"),
])
def test_constructor_arguments_come_in_the_order_of_the_spec(cls, arguments):
    signature = inspect.signature(cls)
    assert list(signature.parameters) == arguments.split()
    assert signature.parameters["params"].default is None
    assert cls().lr == {optim.SGD: 0.01, optim.RMSprop: 0.01, optim.Adagrad: 0.01}.get(cls, 1e-3)
    assert cls is not optim.AdamW or cls().defaults["weight_decay"] == 0.01


def test_get_finds_optimizers_by_name_for_compile():
    assert isinstance(optim.get("Adam"), optim.Adam) and optim.get("sgd").param_groups == []
    chosen = optim.RMSprop(lr=0.5)
    assert optim.get(chosen) is chosen
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'.*'adam'"):
        optim.get("adamm")
