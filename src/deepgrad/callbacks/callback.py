"""Callback, the base of every callback, and CallbackList, which the training loop calls.

The loop (`fit`, `evaluate`, `predict`) calls these hooks, with Keras's names and 0-based
epoch and batch numbers:

    fit:       on_train_begin, then per epoch: on_epoch_begin, (on_train_batch_begin,
               on_train_batch_end) per batch, on_epoch_end; then on_train_end
    evaluate:  on_test_begin, (on_test_batch_begin, on_test_batch_end) per batch, on_test_end
    predict:   on_predict_begin, (on_predict_batch_begin, on_predict_batch_end) per batch, on_predict_end

`logs` at a train batch's end holds the running averages of the epoch so far ({"loss": 0.31,
"accuracy": 0.9}); at an epoch's end, the epoch's averages plus "val_..." entries when there is
validation data. A callback reads `self.model` (the model being trained) and `self.params`
({"epochs", "steps", "verbose", "batch_size", "metrics"}), and stops training by setting
`self.model.stop_training = True`.

    >>> class PrintLoss(callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch + 1}: loss {logs['loss']:.2f}")
    >>> callbacks.CallbackList([PrintLoss()]).on_epoch_end(0, {"loss": 0.25})
    epoch 1: loss 0.25
"""

import numbers

from deepgrad.engine import backend
from deepgrad.engine.tensor import Tensor


class Callback:
    """Base class: every hook is a no-op; override the ones you need.

    `on_train_batch_begin`/`on_train_batch_end` call `on_batch_begin`/`on_batch_end`, Keras's
    older names, so overriding either works.
    """

    model = None

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = dict(params)

    def on_train_begin(self, logs=None):
        """Called once when fit starts."""

    def on_train_end(self, logs=None):
        """Called once when fit ends (also after an early stop); `logs` are the last epoch's."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch `epoch` (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of epoch `epoch` with its averages (and "val_..." values)."""

    def on_batch_begin(self, batch, logs=None):
        """Keras's old name for on_train_batch_begin."""

    def on_batch_end(self, batch, logs=None):
        """Keras's old name for on_train_batch_end."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after training batch `batch` (0-based in its epoch) with the epoch's running averages."""
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None):
        """Called when evaluate (or fit's validation) starts."""

    def on_test_end(self, logs=None):
        """Called when evaluate (or fit's validation) ends, with its averages."""

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass


def plain_logs(logs):
    """A new dict with the values of `logs` as Python numbers where they are one-element tensors or arrays."""
    plain = {}
    for key, value in (logs or {}).items():
        if isinstance(value, Tensor):
            value = value.numpy()
        if backend.is_array(value) and value.size == 1:
            value = backend.to_host(value).item()
        elif isinstance(value, numbers.Number) and hasattr(value, "item"):
            value = value.item()  # a NumPy scalar
        plain[key] = value
    return plain


class CallbackList(Callback):
    """The callbacks of one fit/evaluate/predict call, called in order with one shared copy of the logs.

    With `add_history=True` a History is appended and with `add_progbar=True` a ProgbarLogger
    (after the user's callbacks, unless they gave their own, as in Keras 3). `model` and
    `**params` (epochs, steps, verbose, batch_size, metrics) are handed to every callback; they
    may also be given later with `set_model` and `set_params`. Each hook gets a fresh copy of the
    logs (values as Python floats), shared by the callbacks in turn, so that one callback's
    additions (ReduceLROnPlateau's "learning_rate") reach those after it but not the caller.

        >>> history = callbacks.History()
        >>> hooks = callbacks.CallbackList([history], model=None, epochs=2, steps=10, verbose=0)
        >>> hooks.on_train_begin()
        >>> hooks.on_epoch_end(0, {"loss": 0.5})
        >>> history.history
        {'loss': [0.5]}
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = []
        for callback in callbacks or []:
            self.append(callback)
        self._add_defaults(add_history, add_progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_defaults(self, add_history, add_progbar):
        from deepgrad.callbacks.history import History
        from deepgrad.callbacks.progbar import ProgbarLogger

        self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self.progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self.history is None and add_history:
            self.history = History()
            self.append(self.history)
        if self.progbar is None and add_progbar:
            self.progbar = ProgbarLogger()
            self.append(self.progbar)

    def append(self, callback):
        if isinstance(callback, type) and issubclass(callback, Callback):
            name = callback.__name__
            raise TypeError(f"got the class {name}, not a callback; pass an instance: {name}()")
        if not isinstance(callback, Callback):
            raise TypeError(
                f"callbacks must be deepgrad.callbacks.Callback instances, got {callback!r} "
                f"({type(callback).__name__}); subclass Callback to write your own"
            )
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(self.params)

    def _call(self, hook, *args, logs=None):
        logs = plain_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs=logs)
