"""TensorBoard: write the logs, the learning rate and weight histograms for TensorBoard to show."""

import numbers
import os

from deepgrad.callbacks.callback import Callback
from deepgrad.optional import require


class TensorBoard(Callback):
    """Write event files under `log_dir` with tensorboardX, in Keras's layout:

        log_dir/train        "epoch_<name>" per epoch (step = 0-based epoch) for each training log
                             ("epoch_loss", "epoch_accuracy"), "epoch_learning_rate" (model.optimizer.lr,
                             when write_lr), "batch_<name>" per batch when update_freq asks (step = the
                             number of training batches so far, 1-based, counted across epochs), and
                             histograms "<parameter name>/histogram" of every parameter's values and
                             "<parameter name>/gradient" of its .grad (when it has one: the last batch's)
                             every `histogram_freq` epochs (0: never; step = epoch)
        log_dir/validation   "epoch_<name>" per epoch for each "val_<name>" log (so TensorBoard draws
                             train and validation loss in one chart)

    update_freq: "epoch" (per-epoch values only), "batch" (also every batch's running values),
    or an integer n (also every n-th batch's). Each epoch's values are flushed at its end; the
    writers are closed when training ends. Run `tensorboard --logdir logs` to look at them.
    Needs tensorboardX (`pip install 'deepgrad[dashboard]'`).

        >>> board = callbacks.TensorBoard(log_dir="logs/run-1", histogram_freq=0, update_freq="batch")
    """

    def __init__(self, log_dir="logs", histogram_freq=1, update_freq="epoch", write_lr=True):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be a whole number of epochs >= 0 (0: no histograms), "
                             f"got {histogram_freq!r}")
        self.histogram_freq = histogram_freq
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a number of batches >= 1, "
                             f"got {update_freq!r}")
        self.update_freq = update_freq
        self.write_lr = bool(write_lr)
        self._writers = {}
        self._global_step = 0

    def _writer(self, run):
        """The SummaryWriter of `run` ("train" or "validation"), made when first needed."""
        if run not in self._writers:
            tensorboardX = require("tensorboardX", "dashboard", "the TensorBoard callback")
            self._writers[run] = tensorboardX.SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._global_step = 0
        self._writer("train")

    def on_train_batch_end(self, batch, logs=None):
        self._global_step += 1
        if self.update_freq == "epoch" or self._global_step % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in _numbers(logs):
            writer.add_scalar(f"batch_{name}", value, self._global_step)

    def on_epoch_end(self, epoch, logs=None):
        train = {name: value for name, value in _numbers(logs) if not name.startswith("val_")}
        validation = {name[4:]: value for name, value in _numbers(logs) if name.startswith("val_")}
        learning_rate = getattr(getattr(self.model, "optimizer", None), "lr", None)
        if self.write_lr and learning_rate is not None:
            train["learning_rate"] = float(learning_rate)
        for run, values in (("train", train), ("validation", validation)):
            if values:
                writer = self._writer(run)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _write_histograms(self, epoch):
        writer = self._writer("train")
        for name, parameter in self.model.named_parameters():
            writer.add_histogram(f"{name}/histogram", parameter.numpy(), epoch)
            if parameter.grad is not None:
                writer.add_histogram(f"{name}/gradient", parameter.grad.numpy(), epoch)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _numbers(logs):
    """(name, value) for the logs that are plain numbers (TensorBoard draws scalars only)."""
    return [(name, float(value)) for name, value in (logs or {}).items()
            if isinstance(value, numbers.Real) and not isinstance(value, bool)]
