"""EarlyStopping: stop training when a monitored value has stopped improving (Keras 3's rules)."""

import math

from deepgrad.callbacks.callback import Callback
from deepgrad.callbacks.monitor import monitored_value, non_negative_int, resolve_mode
from deepgrad.engine import backend

_np = backend.host_numpy()


class EarlyStopping(Callback):
    """Set `model.stop_training` after `patience` epochs in a row without improvement.

    At each epoch's end (from epoch `start_from_epoch` on), with value = logs[monitor]:

        improvement:  value < best - min_delta   (mode "min"; "max" mirrors it: value > best + min_delta)
        wait += 1; on an improvement best = value and, if there is no baseline or value also beats
        the baseline, wait = 0; without one, stop once wait >= patience (never at epoch 0).

    `mode="auto"` is "max" when the name contains acc, auc, precision or recall, else "min".
    With `restore_best_weights=True` the best epoch's weights (a copy of `model.state_dict()`
    kept in memory) are loaded back with `model.load_state_dict` when training ends, whether or
    not it stopped early (Keras 3). `stopped_epoch` is the 0-based epoch it stopped at (0 when it
    did not stop) and `best_epoch` that of the best value. A monitored name missing from the
    logs gives a warning and the epoch is skipped.

        >>> model = type("Model", (), {"stop_training": False})()
        >>> stopper = callbacks.EarlyStopping(monitor="val_loss", patience=1)
        >>> stopper.set_model(model)
        >>> stopper.on_train_begin()
        >>> for epoch, val_loss in enumerate([0.9, 0.7, 0.8]):
        ...     stopper.on_epoch_end(epoch, {"val_loss": val_loss})
        >>> model.stop_training, stopper.stopped_epoch, stopper.best
        (True, 2, 0.7)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.mode = resolve_mode("EarlyStopping", monitor, mode)
        self.min_delta = abs(float(min_delta))
        self.patience = non_negative_int("EarlyStopping", "patience", patience)
        self.verbose = verbose
        self.baseline = None if baseline is None else float(baseline)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = non_negative_int("EarlyStopping", "start_from_epoch", start_from_epoch)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.best_weights = None

    def _is_improvement(self, value, reference):
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_epoch_end(self, epoch, logs=None):
        value = monitored_value("EarlyStopping", self.monitor, logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self._weights(), epoch  # the first weights seen are the best so far
        self.wait += 1
        if self._is_improvement(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self._weights()
            if self.baseline is None or self._is_improvement(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.load_state_dict(self.best_weights)

    def _weights(self):
        """A copy of the model's state, so that training on does not change it."""
        return {name: _np.array(value, copy=True) for name, value in self.model.state_dict().items()}
