"""The yearly sunspot numbers 1700-2008, the classic time series that statsmodels bundles."""

import numbers

import numpy as np

from deepgrad.optional import require

SUNSPOTS_YEARS = 309  # 1700..2008


def load_sunspots(test_size=30):
    """The sunspot series as `(years_train, sunspots_train), (years_test, sunspots_test)`, split in time.

    years: int64 (1700..2008); sunspots: float32, the yearly mean number of sunspots (statsmodels'
    `sunspots` dataset, column SUNACTIVITY). The last `test_size` (30) years are kept for testing
    and the split is chronological, never shuffled: a forecast must not see its future. With
    test_size=0 the whole series is the training part. Concatenate the two parts for the full series.

    Needs statsmodels: pip install 'deepgrad[timeseries]'.

        >>> (years_train, sunspots_train), (years_test, sunspots_test) = load_sunspots()
        >>> len(years_train), years_test[[0, -1]].tolist(), sunspots_train.dtype
        (279, [1979, 2008], dtype('float32'))
        >>> sunspots_train[:4].tolist(), round(float(sunspots_test[-1]), 1)
        ([5.0, 11.0, 16.0, 23.0], 2.9)
    """
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Integral) or \
            not 0 <= test_size < SUNSPOTS_YEARS:
        raise ValueError(f"load_sunspots's test_size is the number of final years kept for testing, an integer "
                         f"from 0 to {SUNSPOTS_YEARS - 1}, got {test_size!r}")
    sunspots = require("statsmodels.datasets.sunspots", "timeseries", "load_sunspots")
    frame = sunspots.load_pandas().data
    years = frame["YEAR"].to_numpy().astype(np.int64)
    activity = frame["SUNACTIVITY"].to_numpy().astype(np.float32)
    cut = len(years) - int(test_size)
    return (years[:cut], activity[:cut]), (years[cut:], activity[cut:])
