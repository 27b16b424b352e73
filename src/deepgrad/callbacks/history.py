"""History: every epoch's logs, kept as lists; `fit` returns it."""

from deepgrad.callbacks.callback import Callback


class History(Callback):
    """Records the logs of every epoch: `.history` maps each name to a list with one value per epoch,
    `.epoch` lists the epochs (0-based). It also sets `model.history` to itself, as Keras does.

    A CallbackList made with add_history=True adds a fresh one for each fit; a History you pass
    yourself keeps adding to its lists across fit calls.

        >>> history = callbacks.History()
        >>> history.on_epoch_end(0, {"loss": 0.9, "val_loss": 1.1})
        >>> history.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.8})
        >>> history.history, history.epoch
        ({'loss': [0.9, 0.5], 'val_loss': [1.1, 0.8]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
