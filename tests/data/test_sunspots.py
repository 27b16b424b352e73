"""load_sunspots: statsmodels' yearly sunspot numbers, split in time."""

import doctest
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data.datasets import load_sunspots, sunspots

statsmodels_sunspots = pytest.importorskip("statsmodels.datasets.sunspots")


def test_the_default_holds_out_the_last_30_years():
    (years_train, sunspots_train), (years_test, sunspots_test) = load_sunspots()
    assert years_train.dtype == np.int64 and sunspots_train.dtype == np.float32
    assert (years_train[0], years_train[-1], years_test[0], years_test[-1]) == (1700, 1978, 1979, 2008)
    assert len(sunspots_train) == 279 and len(sunspots_test) == 30


def test_the_parts_make_the_statsmodels_series_in_order():
    (years_train, sunspots_train), (years_test, sunspots_test) = load_sunspots(test_size=100)
    frame = statsmodels_sunspots.load_pandas().data
    np.testing.assert_array_equal(np.concatenate([years_train, years_test]), frame["YEAR"].to_numpy())
    np.testing.assert_allclose(np.concatenate([sunspots_train, sunspots_test]), frame["SUNACTIVITY"].to_numpy(),
                               rtol=1e-6)
    assert np.all(np.diff(np.concatenate([years_train, years_test])) == 1)


def test_test_size_0_is_the_whole_series():
    (years, _), (years_test, sunspots_test) = load_sunspots(test_size=0)
    assert len(years) == 309 and len(years_test) == len(sunspots_test) == 0


@pytest.mark.parametrize("test_size", [-1, 309, 2.5, "30", True, None])
def test_a_bad_test_size_is_refused(test_size):
    with pytest.raises(ValueError, match=rf"test_size .* an integer from 0 to 308, got {test_size!r}"):
        load_sunspots(test_size=test_size)


def test_without_statsmodels_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "statsmodels.datasets.sunspots", None)
    with pytest.raises(dg.MissingDependencyError, match=r"load_sunspots needs .*'statsmodels'.*deepgrad\[timeseries\]"):
        load_sunspots()


def test_docstring_examples_run():
    result = doctest.testmod(sunspots, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
