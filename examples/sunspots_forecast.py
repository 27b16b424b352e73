"""Forecasting the yearly sunspot numbers with an LSTM, against persistence and ARIMA.

    python examples/sunspots_forecast.py

The series (1700-2008, `load_sunspots`) is split in time: the LSTM and ARIMA learn from 1700-1978
and all three forecasts are scored on the last 30 years, 1979-2008. The protocol is the same for
all three: one-step-ahead forecasts, each made from the true values of the years before it
(the test years included, once they are past) with the parameters fitted on 1700-1978 and never
refitted. Scores are the root mean squared error in sunspots.

- persistence: next year = this year.
- ARIMA(p, 0, q) (statsmodels): the order with the lowest AIC among a few candidates, chosen and
  fitted on 1700-1978; `results.append(test, refit=False)` then gives the one-step predictions
  through 1979-2008 with the same parameters.
- LSTM: `lstm_forecaster` reads the last `window` years, standardised with the mean and standard
  deviation of 1700-1978 only, and predicts the next one. Its settings (20 epochs, 64 units) were
  chosen by training on 1700-1948 and scoring 1949-1978, never on the test years.

Needs statsmodels: pip install 'deepgrad[timeseries]'.
"""

import math
import time
import warnings

import numpy as np

import deepgrad as dg
from deepgrad import callbacks, optim, sequence
from deepgrad.data.datasets import load_sunspots
from deepgrad.optional import require

ARIMA_ORDERS = [(2, 0, 0), (2, 0, 1), (3, 0, 0), (9, 0, 0)]


def rmse(forecast, truth):
    return float(np.sqrt(np.mean((np.asarray(forecast, np.float64) - truth) ** 2)))


def arima_forecast(train, test):
    """One-step-ahead ARIMA forecasts of `test`, the order and parameters fitted on `train` only."""
    arima = require("statsmodels.tsa.arima.model", "timeseries", "the ARIMA baseline")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the optimizer for the weaker orders
        fits = {order: arima.ARIMA(train, order=order).fit() for order in ARIMA_ORDERS}
        order = min(fits, key=lambda o: fits[o].aic)
        extended = fits[order].append(test, refit=False)
        forecast = extended.predict(start=len(train), end=len(train) + len(test) - 1)
    return np.asarray(forecast), order


def lstm_forecast(train, test, window, units, epochs, learning_rate, seed, verbose):
    """One-step-ahead LSTM forecasts of `test`: trained on the windows of `train`, scaled by its statistics."""
    dg.manual_seed(seed)
    mean, std = train.mean(), train.std()
    scaled = (np.concatenate([train, test]) - mean) / std
    x, y = sequence.make_windows(scaled, window)  # sample i forecasts year window + i
    n_train = len(train) - window  # the windows whose target is a training year
    model = sequence.lstm_forecaster(units=units)
    model.compile(optimizer=optim.Adam(lr=learning_rate), loss="mse")
    # A cosine decay to 0: the last epochs take small steps, so the result depends little on where
    # the final mini-batch happened to leave the weights.
    schedule = callbacks.LearningRateScheduler(
        lambda epoch: learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))
    model.fit(x[:n_train], y[:n_train], batch_size=32, epochs=epochs, callbacks=[schedule], verbose=verbose)
    return model.predict(x[n_train:])[:, 0] * std + mean  # the windows end at true values only


def main(window=12, units=64, epochs=20, learning_rate=0.01, seed=0, verbose=0):
    (years_train, train), (years_test, test) = load_sunspots(test_size=30)
    train, test = train.astype(np.float64), test.astype(np.float64)
    start = time.perf_counter()
    persistence = np.concatenate([train[-1:], test[:-1]])
    arima, order = arima_forecast(train, test)
    lstm = lstm_forecast(train, test, window, units, epochs, learning_rate, seed, verbose)
    scores = {"lstm": rmse(lstm, test), "persistence": rmse(persistence, test), "arima": rmse(arima, test)}
    print(f"one-step-ahead forecasts of {years_test[0]}-{years_test[-1]}, trained on "
          f"{years_train[0]}-{years_train[-1]} ({time.perf_counter() - start:.0f} s)")
    rows = [("persistence (next = last)", scores["persistence"]), (f"ARIMA{order}, lowest AIC", scores["arima"]),
            (f"LSTM({units}), window {window}, {epochs} epochs", scores["lstm"])]
    for label, value in rows:
        print(f"  {label:<34} RMSE {value:6.2f}")
    return scores


if __name__ == "__main__":
    main()
