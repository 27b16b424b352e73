"""make_windows: (window of past values, next value) samples from a series."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.errors import ShapeError
from deepgrad.sequence import make_windows


def test_each_window_is_followed_by_its_target():
    series = np.arange(10.0)
    x, y = make_windows(series, window=4)
    assert x.shape == (6, 4, 1) and y.shape == (6, 1) and x.dtype == y.dtype == np.float32
    for i in range(6):
        np.testing.assert_array_equal(x[i, :, 0], series[i : i + 4])
        assert y[i, 0] == series[i + 4]


def test_a_series_with_features_keeps_them():
    series = np.arange(20).reshape(10, 2)
    x, y = make_windows(series, window=3)
    assert x.shape == (7, 3, 2) and y.shape == (7, 2)
    np.testing.assert_array_equal(x[2], series[2:5])
    np.testing.assert_array_equal(y[2], series[5])


def test_the_arrays_are_copies_and_tensors_are_taken():
    series = np.arange(6.0)
    x, y = make_windows(dg.tensor(series), window=2)
    x[0, 0, 0] = 99
    assert x.flags["C_CONTIGUOUS"] and x[1, 0, 0] == 1 and series[0] == 0
    assert make_windows(series, window=5)[0].shape == (1, 5, 1)


@pytest.mark.parametrize("series,window,error,message", [
    (np.zeros(5), 5, ValueError, r"longer than the window: 5 values .* use a window below 5"),
    (np.zeros(5), 0, ValueError, r"window must be a positive integer .* got 0"),
    (np.zeros(5), 2.0, ValueError, r"got 2.0"),
    (np.zeros((2, 3, 4)), 1, ShapeError, r"\(time,\) or \(time, features\), got \(2, 3, 4\)"),
    (np.array(["a", "b", "c"]), 1, TypeError, r"numeric series"),
])
def test_bad_input_is_refused(series, window, error, message):
    with pytest.raises(error, match=message):
        make_windows(series, window)
