"""TerminateOnNaN: stop training as soon as the loss (or any logged value) is NaN or infinite."""

from deepgrad.callbacks.callback import Callback
from deepgrad.callbacks.monitor import is_finite


class TerminateOnNaN(Callback):
    """Set `model.stop_training` at the first training batch whose logs hold NaN or ±inf, and at an
    epoch's end whose logs do (a NaN "val_loss"). The message, which names the value, the batch and
    the epoch (1-based, as the progress bar counts them), is printed and kept in `.message`;
    `.stopped_epoch` and `.stopped_batch` (0-based; None for an epoch's end) say where.

        >>> model = type("Model", (), {"stop_training": False})()
        >>> guard = callbacks.TerminateOnNaN()
        >>> guard.set_model(model)
        >>> guard.on_epoch_begin(1)
        >>> guard.on_train_batch_end(6, {"loss": float("nan"), "accuracy": 0.5})
        Epoch 2, batch 7: loss is nan; terminating training (lower the learning rate, or check the inputs for NaN)
        >>> model.stop_training, guard.stopped_epoch, guard.stopped_batch
        (True, 1, 6)
    """

    def __init__(self):
        super().__init__()
        self.message = None
        self.stopped_epoch = None
        self.stopped_batch = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self.message = self.stopped_epoch = self.stopped_batch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, self._epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, epoch, None)

    def _check(self, logs, epoch, batch):
        if self.message is not None:
            return
        for name, value in (logs or {}).items():
            if isinstance(value, float | int) and not isinstance(value, bool) and not is_finite(value):
                where = f"Epoch {epoch + 1}, batch {batch + 1}" if batch is not None else f"End of epoch {epoch + 1}"
                self.message = (f"{where}: {name} is {value}; terminating training (lower the learning rate, "
                                f"or check the inputs for NaN)")
                self.stopped_epoch, self.stopped_batch = epoch, batch
                self.model.stop_training = True
                print(self.message)
                return
