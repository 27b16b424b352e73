"""The examples run and do what they say."""

import importlib.util
import pathlib

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_backprop_sine_learns_the_sine(capsys):
    final_error = load("backprop_sine").main(steps=1000)
    assert final_error < 0.02  # a constant guess (the mean, 0) would give about 0.5
    assert "mean squared error" in capsys.readouterr().out


def test_two_spirals_are_told_apart(capsys):
    accuracy = load("two_spirals").main(epochs=300)
    assert accuracy >= 0.97  # a straight line through the origin manages about 50-70%
    assert "accuracy" in capsys.readouterr().out
