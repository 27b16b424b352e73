"""ModelCheckpoint: save the model (or its weights) every epoch, every n batches, or when it is the best so far."""

import math
import os
import warnings

from deepgrad.callbacks.callback import Callback
from deepgrad.callbacks.monitor import resolve_mode


class ModelCheckpoint(Callback):
    """Save with `model.save_weights(path)` (save_weights_only=True) or `model.save(path)`.

    `filepath` may hold format fields filled from the logs and the epoch, 1-based as in Keras:
    "ckpt/model-{epoch:02d}-{val_loss:.4f}.safetensors" gives "ckpt/model-03-0.4123.safetensors"
    after the third epoch; with an integer save_freq, {batch} (1-based within the epoch) too.
    Missing folders are made. The model's save functions write atomically (a temporary file,
    then a rename), so an interrupted save never leaves a half-written file at `filepath`.

    save_freq="epoch" saves at each epoch's end; an integer n saves after every n-th batch
    (counted across epochs), with the batch's running logs. With `save_best_only=True` it saves
    only when logs[monitor] is better than every earlier value (strictly; "min" or "max" by
    `mode`, where "auto" means "max" for names with acc, auc, precision, recall); the first
    value must also beat `initial_value_threshold` when that is given.

        >>> saved = []
        >>> model = type("Model", (), {"save_weights": lambda self, path: saved.append(path)})()
        >>> checkpoint = callbacks.ModelCheckpoint("w-{epoch:02d}-{val_loss:.2f}.safetensors",
        ...                                        save_best_only=True, save_weights_only=True)
        >>> checkpoint.set_model(model)
        >>> checkpoint.on_train_begin()
        >>> for epoch, val_loss in enumerate([0.5, 0.6, 0.4]):
        ...     checkpoint.on_epoch_end(epoch, {"val_loss": val_loss})
        >>> saved
        ['w-01-0.50.safetensors', 'w-03-0.40.safetensors']
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = resolve_mode("ModelCheckpoint", monitor, mode)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a number of batches >= 1, "
                             f"got {save_freq!r}")
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        if self.initial_value_threshold is not None:
            self.best = float(self.initial_value_threshold)
        else:
            self.best = math.inf if self.mode == "min" else -math.inf
        self._epoch = 0
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs):
        path = self._path(epoch, batch, logs)
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                warnings.warn(f"ModelCheckpoint can save the best model only with {self.monitor!r} in the logs, "
                              f"which hold {', '.join(logs) or 'nothing'}; skipping", stacklevel=3)
                return
            if not self._is_better(value):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {value:.5f}, "
                      f"saving model to {path}")
            self.best = float(value)
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

    def _is_better(self, value):
        return value < self.best if self.mode == "min" else value > self.best

    def _path(self, epoch, batch, logs):
        fields = {**logs, "epoch": epoch + 1}
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(
                f"ModelCheckpoint could not fill the field {error} of filepath {self.filepath!r}: the logs "
                f"hold {', '.join(logs) or 'nothing'} (and epoch{', batch' if batch is not None else ''}); "
                f"use only those names"
            ) from None
