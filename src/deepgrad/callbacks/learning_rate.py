"""Callbacks that change the learning rate (`model.optimizer.lr`): LearningRateScheduler and ReduceLROnPlateau."""

import inspect
import math
import numbers

from deepgrad.callbacks.callback import Callback
from deepgrad.callbacks.monitor import monitored_value, non_negative_int, resolve_mode


def _optimizer(owner, model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "lr"):
        raise ValueError(f"{owner} changes model.optimizer.lr, but the model has no optimizer with an lr; "
                         f"compile the model with an optimizer before fit")
    return optimizer


def _takes_two_arguments(function):
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True  # a builtin without a signature: assume Keras's schedule(epoch, lr)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to `schedule(epoch, lr)` (epoch 0-based, lr the
    current one), as Keras; a `schedule(epoch)` of one argument works too. At each epoch's end
    the lr is added to the logs as "learning_rate" (Keras 3), so History and CSVLogger record it.

        >>> model = type("Model", (), {})()
        >>> model.optimizer = type("Optimizer", (), {"lr": 0.1})()
        >>> scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr / 2)
        >>> scheduler.set_model(model)
        >>> rates = []
        >>> for epoch in range(4):
        ...     scheduler.on_epoch_begin(epoch)
        ...     rates.append(model.optimizer.lr)
        >>> rates
        [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler needs a function schedule(epoch, lr) -> lr, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = _optimizer("LearningRateScheduler", self.model)
        if _takes_two_arguments(self.schedule):
            learning_rate = self.schedule(epoch, float(optimizer.lr))
        else:
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) \
                or not math.isfinite(learning_rate):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}, ...) returned {learning_rate!r}; it must "
                             f"return the new learning rate as a finite number")
        optimizer.lr = float(learning_rate)
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(learning_rate)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(_optimizer("LearningRateScheduler", self.model).lr)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when the monitored value has stopped improving (Keras's rules).

    At each epoch's end, with value = logs[monitor]:

        in cooldown:   cooldown_counter -= 1 and wait = 0
        improvement:   value < best - min_delta ("min"; "max": value > best + min_delta) -> best = value, wait = 0
        otherwise, out of cooldown: wait += 1, and when wait >= patience and lr > min_lr:
                       lr = max(lr · factor, min_lr), cooldown_counter = cooldown, wait = 0

    As in Keras the cooldown is counted down before the epoch is judged, so cooldown=n skips the
    n - 1 epochs after a reduction (cooldown=1 skips none). `mode="auto"` is "max" when the name
    contains acc, auc, precision or recall, else "min". The lr of the epoch (before any
    reduction) is added to the logs as "learning_rate" (Keras 3).
    For a schedule driven by hand, without fit, see `optim.schedules.ReduceLROnPlateau`.

        >>> model = type("Model", (), {})()
        >>> model.optimizer = type("Optimizer", (), {"lr": 1.0})()
        >>> reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> reduce.set_model(model)
        >>> reduce.on_train_begin()
        >>> rates = []
        >>> for epoch, loss in enumerate([1.0, 1.0, 1.0, 0.5]):
        ...     reduce.on_epoch_end(epoch, {"loss": loss})
        ...     rates.append(model.optimizer.lr)
        >>> rates
        [1.0, 0.5, 0.25, 0.25]
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__()
        owner = "ReduceLROnPlateau"
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 <= factor < 1:
            raise ValueError(f"{owner}: factor must be in [0, 1) (the lr is multiplied by it), got {factor!r}; "
                             f"0.1 or 0.5 are usual")
        if isinstance(min_lr, bool) or not isinstance(min_lr, numbers.Real) or min_lr < 0:
            raise ValueError(f"{owner}: min_lr must be a number >= 0, got {min_lr!r}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = non_negative_int(owner, "patience", patience)
        self.verbose = verbose
        self.mode = resolve_mode(owner, monitor, mode)
        self.min_delta = float(min_delta)
        self.cooldown = non_negative_int(owner, "cooldown", cooldown)
        self.min_lr = float(min_lr)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_improvement(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        optimizer = _optimizer("ReduceLROnPlateau", self.model)
        if logs is not None:
            logs["learning_rate"] = float(optimizer.lr)
        value = monitored_value("ReduceLROnPlateau", self.monitor, logs)
        if value is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(value):
            self.best, self.wait = value, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and float(optimizer.lr) > self.min_lr:
                new_lr = max(float(optimizer.lr) * self.factor, self.min_lr)
                optimizer.lr = new_lr
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                self.cooldown_counter = self.cooldown
                self.wait = 0
