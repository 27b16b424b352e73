"""A fake model and a fake fit loop that drive callbacks exactly as the training loop's contract says."""

import numpy as np

from deepgrad.callbacks import CallbackList
from deepgrad.engine.tensor import Tensor


class FakeOptimizer:
    def __init__(self, lr=0.1):
        self.lr = lr


class FakeParameter:
    def __init__(self, values, grad=None):
        self.values = np.asarray(values, dtype=np.float32)
        self.grad = None if grad is None else Tensor(np.asarray(grad, dtype=np.float32))

    def numpy(self):
        return self.values


class FakeModel:
    """Records what callbacks do to it: saves, loads, stop_training; its weight "w" is set by `train_epoch`."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.weights = {"w": np.zeros(3)}
        self.calls = []

    def train_epoch(self, epoch):
        """What an epoch of training does to the weights here: w becomes [epoch + 1] * 3."""
        self.weights["w"][:] = epoch + 1

    def state_dict(self):
        return {name: value.copy() for name, value in self.weights.items()}

    def load_state_dict(self, state):
        self.calls.append(("load_state_dict", {name: np.array(value) for name, value in state.items()}))
        for name, value in state.items():
            self.weights[name][...] = value

    def save_weights(self, path):
        self.calls.append(("save_weights", path))

    def save(self, path):
        self.calls.append(("save", path))

    def named_parameters(self):
        return [("dense.weight", FakeParameter([[1.0, 2.0], [3.0, 4.0]], grad=[[0.5, 0.5], [0.5, 0.5]])),
                ("dense.bias", FakeParameter([-1.0, 1.0]))]


def fit(callbacks, epoch_logs, batch_logs=None, model=None, verbose=0, steps=None):
    """Run the hooks of fit like the loop: `epoch_logs` has one dict per epoch, `batch_logs` (optional) one
    list of dicts per epoch; stops after a batch or an epoch when model.stop_training is set.

    Returns (model, hooks, the epochs that ran).
    """
    model = model or FakeModel()
    epochs = len(epoch_logs)
    if steps is None:
        steps = len(batch_logs[0]) if batch_logs else 0
    hooks = CallbackList(callbacks, add_history=True, model=model, epochs=epochs, steps=steps, verbose=verbose,
                         batch_size=8, metrics=["loss"])
    model.stop_training = False
    ran, logs = [], {}
    hooks.on_train_begin({})
    for epoch in range(epochs):
        hooks.on_epoch_begin(epoch, {})
        for batch, logs in enumerate(batch_logs[epoch] if batch_logs else []):
            hooks.on_train_batch_begin(batch, {})
            hooks.on_train_batch_end(batch, logs)
            if model.stop_training:
                break
        model.train_epoch(epoch)
        logs = epoch_logs[epoch]
        hooks.on_epoch_end(epoch, logs)
        ran.append(epoch)
        if model.stop_training:
            break
    hooks.on_train_end(logs)
    return model, hooks, ran
