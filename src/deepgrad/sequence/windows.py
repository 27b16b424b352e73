"""Time series to supervised samples: sliding windows of past values and the value that follows."""

import numbers

import numpy as np

from deepgrad.engine.errors import ShapeError


def make_windows(series, window):
    """Every run of `window` consecutive values of `series`, each paired with the value after it.

    Sample i is x[i] = series[i : i + window] and y[i] = series[i + window], so a model that reads
    x[i] forecasts one step ahead from the true history. A 1-D series of length T gives x of shape
    (T - window, window, 1) and y of shape (T - window, 1), the (batch, time, features) layout of
    the recurrent layers; a (T, features) series gives (T - window, window, features) and
    (T - window, features). Both are float32 copies, in time order.

        >>> x, y = make_windows([1, 2, 3, 4, 5], window=3)
        >>> x.shape, y.shape
        ((2, 3, 1), (2, 1))
        >>> x[:, :, 0].tolist(), y.tolist()
        ([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [[4.0], [5.0]])
    """
    values = np.asarray(series.numpy() if hasattr(series, "numpy") else series)
    if values.ndim not in (1, 2):
        raise ShapeError(f"make_windows takes a series of shape (time,) or (time, features), got {values.shape}")
    if values.dtype.kind not in "biuf":
        raise TypeError(f"make_windows takes a numeric series, got dtype {values.dtype}")
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window < 1:
        raise ValueError(f"make_windows's window must be a positive integer (the past steps a sample sees), "
                         f"got {window!r}")
    if len(values) <= window:
        raise ValueError(f"make_windows needs a series longer than the window: {len(values)} values give no "
                         f"window of {window} followed by a target; use a window below {len(values)}")
    values = values.astype(np.float32).reshape(len(values), -1)
    x = np.lib.stride_tricks.sliding_window_view(values[:-1], window, axis=0)  # (n, features, window)
    return np.ascontiguousarray(x.transpose(0, 2, 1)), values[window:].copy()
