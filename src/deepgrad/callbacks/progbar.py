"""ProgbarLogger: the progress of fit, evaluate and predict, through tqdm.

    verbose=0                    nothing
    verbose=1, on a terminal     a tqdm bar per epoch: steps done, elapsed time, ETA, steps/s
                                 and the running metrics, redrawn as the batches go
    verbose=1, not a terminal    one line per epoch (logs, pipes, notebooks' captured output)
    verbose=2                    one line per epoch, always (Keras)

A line reads "Epoch 3/10 - 412ms - loss: 0.1234 - accuracy: 0.9700 - val_loss: 0.2000 - ...";
values are shown with 4 decimals, or in scientific notation below 1e-3 (as Keras). Evaluate and
predict (outside fit) get a bar or one line, "Evaluate - ..." / "Predict - ...".

    >>> import io, re
    >>> out = io.StringIO()
    >>> bar = callbacks.ProgbarLogger(stream=out)
    >>> bar.set_params({"epochs": 2, "steps": 5, "verbose": 2})
    >>> bar.on_train_begin()
    >>> bar.on_epoch_begin(0)
    >>> bar.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
    >>> re.sub(r" - \\d+ms - ", " - T - ", out.getvalue())
    'Epoch 1/2 - T - loss: 0.5000 - accuracy: 0.7500\\n'
"""

import numbers
import sys
import time

from deepgrad.callbacks.callback import Callback
from deepgrad.optional import require


def format_logs(logs):
    """"loss: 0.1234 - accuracy: 0.9700": 4 decimals, or scientific notation for values below 1e-3."""
    parts = []
    for key, value in (logs or {}).items():
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            text = f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"
        else:
            text = str(value)
        parts.append(f"{key}: {text}")
    return " - ".join(parts)


class ProgbarLogger(Callback):
    """Shows progress as the module's doc says; the loop's `params["verbose"]` picks the mode.

    Arguments: stream=None (where to write; None means sys.stdout at the time of writing),
    tty=None (whether `stream` is a terminal; None asks `stream.isatty()`), mininterval=0.1 (the
    bar's least time between redraws, in seconds; tqdm's argument). A bar needs tqdm
    (`pip install 'deepgrad[progress]'`); lines do not.
    """

    def __init__(self, stream=None, tty=None, mininterval=0.1):
        super().__init__()
        self.stream = stream
        self.tty = tty
        self.mininterval = mininterval
        self.verbose, self.epochs, self.steps = 1, 1, None
        self._bar = None
        self._start = None
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    # --- where and how to write -------------------------------------------------------------
    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def _uses_bar(self):
        if self.verbose != 1:
            return False
        if self.tty is not None:
            return bool(self.tty)
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def _begin(self, title):
        self._start = time.perf_counter()
        if self.verbose and self._uses_bar():
            tqdm = require("tqdm", "progress", "the progress bar (ProgbarLogger)").tqdm
            self._bar = tqdm(total=self.steps, desc=title, file=self._out(), unit="step", leave=True,
                             mininterval=self.mininterval, dynamic_ncols=True)

    def _advance(self, batch, logs):
        if self._bar is None:
            return
        text = format_logs(logs)
        if text:
            self._bar.set_postfix_str(text, refresh=False)
        self._bar.update(max(batch + 1 - self._bar.n, 0))

    def _finish(self, title, logs):
        if not self.verbose:
            return
        if self._bar is not None:
            text = format_logs(logs)
            if text:
                self._bar.set_postfix_str(text, refresh=False)
            self._close_bar()
            return
        seconds = time.perf_counter() - self._start if self._start is not None else 0.0
        parts = [title, f"{seconds:.1f}s" if seconds >= 1 else f"{seconds * 1000:.0f}ms", format_logs(logs)]
        print(" - ".join(part for part in parts if part), file=self._out(), flush=True)

    def _close_bar(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    # --- fit ----------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._begin(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._advance(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(f"Epoch {epoch + 1}/{self.epochs}", logs)

    def on_train_end(self, logs=None):
        self._close_bar()  # a bar left open by a stop in the middle of an epoch
        self._in_fit = False

    # --- evaluate and predict (fit's validation shows in the epoch's line instead) -------------
    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._begin("Evaluate")

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._advance(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish("Evaluate", logs)

    def on_predict_begin(self, logs=None):
        self._begin("Predict")

    def on_predict_batch_end(self, batch, logs=None):
        self._advance(batch, None)

    def on_predict_end(self, logs=None):
        self._finish("Predict", None)
