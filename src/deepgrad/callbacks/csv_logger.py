"""CSVLogger: one row of logs per epoch in a CSV file."""

import collections.abc
import csv
import os

from deepgrad.callbacks.callback import Callback


class CSVLogger(Callback):
    """Write each epoch's logs as a row of `filename`: "epoch" (0-based, as Keras) first, then the
    names of the first epoch's logs in sorted order (Keras's columns; a name that appears only
    later is left out, a missing one is written "NA").

    The file is opened at the start of training, flushed after every row, and closed at the end,
    so an interrupted run keeps every finished epoch. With `append=True` rows are added to an
    existing file: its header is kept (no second header) and its columns are used.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> logger = callbacks.CSVLogger(path)
        >>> logger.on_train_begin()
        >>> logger.on_epoch_end(0, {"val_loss": 0.7, "loss": 0.5})
        >>> logger.on_train_end()
        >>> open(path).read().splitlines()
        ['epoch,loss,val_loss', '0,0.5,0.7']
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character such as ',' or ';', got {separator!r}")
        self.separator = separator
        self.append = bool(append)
        self.keys = None
        self._file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        self.keys = None
        self._writer = None
        header = self._existing_header() if self.append else None
        if header:
            self.keys = [key for key in header if key != "epoch"]
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self._write_header = not header

    def _existing_header(self):
        """The column names of `filename`'s first row, or None when it does not exist or is empty."""
        if not os.path.exists(self.filename):
            return None
        with open(self.filename, newline="", encoding="utf-8") as file:
            return next(csv.reader(file, delimiter=self.separator), None)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._file is None:
            raise RuntimeError("CSVLogger got on_epoch_end before on_train_begin; call the hooks in fit's order")
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys], delimiter=self.separator,
                                          lineterminator="\n")
            if self._write_header:
                self._writer.writeheader()
        row = {"epoch": epoch, **{key: _cell(logs.get(key, "NA")) for key in self.keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None


def _cell(value):
    """A value as CSV writes it; a list or array as "[a, b]" (Keras)."""
    if isinstance(value, str) or not isinstance(value, collections.abc.Iterable):
        return value
    return f"[{', '.join(map(str, value))}]"
