"""Keras's workflow on every module: compile, fit, evaluate, predict, train_on_batch.

`fit` is a thin loop over `train_step` (forward, loss, backward, optimizer step), with Keras's
callback hooks around it. Everything is imported when first used, so that `nn.Module` can
inherit this without the training machinery importing `nn` in return.
"""

import math

from deepgrad.engine import backend
from deepgrad.engine.autograd import no_grad
from deepgrad.training import checks
from deepgrad.training.inputs import as_host_array, make_loader, split_for_validation, unpack


class TrainingMixin:
    """compile / fit / evaluate / predict / train_on_batch / summary, as in Keras."""

    def compile(self, optimizer="adam", loss=None, metrics=None):
        """Choose how to train: an optimizer (name or instance), a loss (name, function or
        instance) and metrics to report (names such as "accuracy", or metric objects).

            >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        """
        from deepgrad import metrics as metric_lib
        from deepgrad import optim
        from deepgrad.nn import losses

        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='mse' or loss='sparse_categorical_crossentropy'")
        self.optimizer = optim.get(optimizer)
        self.loss = losses.get(loss)
        self.loss_identifier = loss
        self.compiled_metrics = [metric_lib.get(m, loss=loss) for m in (metrics or [])]
        self.stop_training = False
        self._first_batch_checked = False

    def _require_compiled(self, what):
        if getattr(self, "loss", None) is None or not hasattr(self, "compiled_metrics"):
            raise RuntimeError(f"call model.compile(optimizer=..., loss=...) before model.{what}()")

    def _attach_parameters(self):
        """Give the optimizer the model's parameters once the first batch has built them."""
        if not self.optimizer.param_groups:
            self.optimizer.add_param_group({"params": self.parameters()})

    # --- one batch ----------------------------------------------------------------------
    def train_step(self, x, y):
        """Forward, loss, backward, optimizer step on one batch; returns (loss, predictions)."""
        y_pred = self(x)
        if not self._first_batch_checked:
            checks.first_batch(self, y, y_pred)
            self._attach_parameters()
            self._first_batch_checked = True
        loss = self.loss(y, y_pred)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss, y_pred.detach()

    def train_on_batch(self, x, y):
        """One training step on (x, y); returns the batch's loss and metrics as a dict."""
        self._require_compiled("train_on_batch")
        self.train()
        x, y = unpack(next(iter(make_loader(x, y, batch_size=len(as_host_array(x))))))
        loss, y_pred = self.train_step(x, y)
        tracker = _Tracker(self.compiled_metrics)
        tracker.update(loss, y, y_pred)
        return tracker.results()

    # --- fit ----------------------------------------------------------------------------
    def fit(self, x, y=None, batch_size=32, epochs=1, validation_data=None, validation_split=0.0,
            shuffle=True, callbacks=None, verbose=1, initial_epoch=0):
        """Train for `epochs` passes over the data in mini-batches of `batch_size`.

        Returns a History whose `.history` maps "loss", each metric, and their "val_" forms to a
        list with one value per epoch.
        """
        from deepgrad import callbacks as callback_lib

        self._require_compiled("fit")
        if validation_split and validation_data is None:
            (x, y), validation_data = split_for_validation(x, y, validation_split)
        loader = make_loader(x, y, batch_size=batch_size, shuffle=shuffle)
        validation = None if validation_data is None else _loader_for(validation_data, batch_size)
        names = ["loss", *(m.name for m in self.compiled_metrics)]
        callback_list = callback_lib.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, epochs=epochs, steps=len(loader),
            verbose=verbose, batch_size=batch_size, metrics=names,
        )
        self.stop_training = False
        tracker = _Tracker(self.compiled_metrics)
        logs = {}
        callback_list.on_train_begin(logs)
        for epoch in range(initial_epoch, epochs):
            self.train()
            tracker.reset()
            callback_list.on_epoch_begin(epoch, {})
            for step, batch in enumerate(loader):
                batch_x, batch_y = unpack(batch)
                callback_list.on_train_batch_begin(step, {})
                loss, y_pred = self.train_step(batch_x, batch_y)
                tracker.update(loss, batch_y, y_pred)
                callback_list.on_train_batch_end(step, tracker.results())
                if self.stop_training:
                    break
            logs = tracker.results()
            if validation is not None:
                logs.update({f"val_{k}": v for k, v in self._evaluate_loader(validation).items()})
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return callback_list.history

    # --- evaluate and predict -----------------------------------------------------------
    def evaluate(self, x, y=None, batch_size=32, callbacks=None, verbose=0):
        """The loss and metrics over (x, y), in eval mode, as a dict: {"loss": ..., "accuracy": ...}."""
        from deepgrad import callbacks as callback_lib

        self._require_compiled("evaluate")
        callback_list = callback_lib.CallbackList(list(callbacks or []))
        callback_list.set_model(self)
        callback_list.on_test_begin({})
        results = self._evaluate_loader(make_loader(x, y, batch_size=batch_size), callback_list)
        callback_list.on_test_end(results)
        return results

    def _evaluate_loader(self, loader, callback_list=None):
        was_training = self.training
        self.eval()
        tracker = _Tracker(self.compiled_metrics)
        tracker.reset()  # the metric objects are shared with training: start from nothing
        with no_grad():
            for step, batch in enumerate(loader):
                batch_x, batch_y = unpack(batch)
                if callback_list is not None:
                    callback_list.on_test_batch_begin(step, {})
                y_pred = self(batch_x)
                tracker.update(self.loss(batch_y, y_pred), batch_y, y_pred)
                if callback_list is not None:
                    callback_list.on_test_batch_end(step, tracker.results())
        self.train(was_training)
        return tracker.results()

    def predict(self, x, batch_size=32, callbacks=None):
        """The model's outputs for x, in eval mode and without gradients, as one NumPy array."""
        from deepgrad import callbacks as callback_lib

        callback_list = callback_lib.CallbackList(list(callbacks or []))
        callback_list.set_model(self)
        callback_list.on_predict_begin({})
        was_training = self.training
        self.eval()
        outputs = []
        with no_grad():
            for step, batch in enumerate(make_loader(x, batch_size=batch_size)):
                callback_list.on_predict_batch_begin(step, {})
                outputs.append(self(unpack(batch)[0]).numpy())
                callback_list.on_predict_batch_end(step, {})
        self.train(was_training)
        callback_list.on_predict_end({})
        return backend.host_numpy().concatenate(outputs)

    def summary(self, print_fn=print):
        """Print the layers, their output shapes and parameter counts, as Keras does."""
        from deepgrad.training.summary import summary

        print_fn(summary(self))


class _Tracker:
    """The running loss and metrics of an epoch, weighted by batch size."""

    def __init__(self, metrics):
        from deepgrad import metrics as metric_lib

        self.loss = metric_lib.Mean(name="loss")
        self.metrics = metrics

    def reset(self):
        self.loss.reset_state()
        for metric in self.metrics:
            metric.reset_state()

    def update(self, loss, y, y_pred):
        self.loss.update_state(loss.item(), sample_weight=len(y_pred))
        for metric in self.metrics:
            metric.update_state(y, y_pred)

    def results(self):
        logs = {"loss": self.loss.result()}
        logs.update({metric.name: metric.result() for metric in self.metrics})
        return {name: float(value) if not math.isnan(value) else value for name, value in logs.items()}


def _loader_for(validation_data, batch_size):
    if isinstance(validation_data, (tuple, list)):
        if len(validation_data) != 2:
            raise ValueError(f"validation_data must be (x_val, y_val), got {len(validation_data)} items")
        return make_loader(*validation_data, batch_size=batch_size)
    return make_loader(validation_data, batch_size=batch_size)
