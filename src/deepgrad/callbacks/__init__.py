"""Callbacks: code that the training loop runs at set points of fit, evaluate and predict (Keras's API).

    >>> stop = callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    >>> hooks = callbacks.CallbackList([stop], add_history=True, add_progbar=True, epochs=10, steps=50, verbose=1)
    >>> [type(c).__name__ for c in hooks]
    ['EarlyStopping', 'History', 'ProgbarLogger']

How the loop uses them: it wraps the user's callbacks in a `CallbackList` with add_history=True
and add_progbar=(verbose != 0), hands it the model and the params, calls the hooks (see
`callback.py`) and returns `hooks.history`.
"""

from deepgrad.callbacks.callback import Callback, CallbackList
from deepgrad.callbacks.csv_logger import CSVLogger
from deepgrad.callbacks.early_stopping import EarlyStopping
from deepgrad.callbacks.history import History
from deepgrad.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from deepgrad.callbacks.model_checkpoint import ModelCheckpoint
from deepgrad.callbacks.progbar import ProgbarLogger
from deepgrad.callbacks.tensorboard import TensorBoard
from deepgrad.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint", "CSVLogger",
    "TensorBoard", "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN",
]
