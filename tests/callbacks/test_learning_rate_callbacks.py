"""LearningRateScheduler and ReduceLROnPlateau change model.optimizer.lr as Keras's do."""

import pytest
from callback_fakes import FakeModel, fit

from deepgrad import callbacks


def test_scheduler_sets_the_rate_at_each_epochs_start_from_epoch_and_current_rate():
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr))
        return lr * 0.5 if epoch >= 1 else lr

    class Watcher(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            rates.append(self.model.optimizer.lr)

    rates = []
    _, hooks, _ = fit([callbacks.LearningRateScheduler(schedule), Watcher()], [{"loss": 1.0}] * 3)
    assert seen == [(0, 0.1), (1, 0.1), (2, 0.05)]
    assert rates == [0.1, 0.05, 0.025]
    assert hooks.history.history["learning_rate"] == [0.1, 0.05, 0.025]


def test_scheduler_takes_a_schedule_of_the_epoch_alone_and_says_so_when_verbose(capsys):
    model, _, _ = fit([callbacks.LearningRateScheduler(lambda epoch: 10.0 ** -epoch, verbose=1)], [{"loss": 1.0}] * 3)
    assert model.optimizer.lr == 0.01
    assert "Epoch 3: LearningRateScheduler setting learning rate to 0.01." in capsys.readouterr().out


def test_scheduler_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"schedule\(0, \.\.\.\) returned 'fast'; it must return the new learning"):
        fit([callbacks.LearningRateScheduler(lambda epoch, lr: "fast")], [{"loss": 1.0}])
    model = FakeModel()
    model.optimizer = None
    with pytest.raises(ValueError, match="no optimizer with an lr; compile the model"):
        fit([callbacks.LearningRateScheduler(lambda epoch, lr: lr)], [{"loss": 1.0}], model=model)
    with pytest.raises(TypeError, match="needs a function schedule"):
        callbacks.LearningRateScheduler(0.1)


def plateau_rates(reduce, values, key="val_loss", lr=1.0):
    model = FakeModel(lr=lr)
    rates = []

    class Watcher(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(self.model.optimizer.lr)

    _, hooks, _ = fit([reduce, Watcher()], [{key: value} for value in values], model=model)
    return rates, hooks.history.history["learning_rate"]


def test_reduce_on_plateau_follows_kerass_sequence_with_patience_cooldown_and_min_lr():
    reduce = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=2, min_lr=0.2)
    values = [1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6]
    # epoch:   0    1    2    3     4    5    6    7    8    9    10   11
    # 0,1 improve; 2,3 wait 1,2 -> 0.5, cooldown 2; 4 in cooldown; 5 (counter now 0) wait 1; 6 wait 2 -> 0.25;
    # 7 in cooldown; 8 wait 1; 9 wait 2 -> max(0.125, min_lr) = 0.2; 10 improves; 11 wait 1, lr at min_lr
    rates, logged = plateau_rates(reduce, values)
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    assert logged == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2]  # the rate each epoch ran with


def test_reduce_on_plateau_cooldown_of_one_skips_nothing_as_in_keras():
    # Keras counts the cooldown down before judging the epoch, so cooldown=1 is over by the next epoch.
    values = [1.0, 1.0, 1.0, 1.0]
    with_cooldown, _ = plateau_rates(callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1), values)
    without, _ = plateau_rates(callbacks.ReduceLROnPlateau(factor=0.5, patience=1), values)
    assert with_cooldown == without == [1.0, 0.5, 0.25, 0.125]


def test_reduce_on_plateau_needs_more_than_min_delta_and_stops_at_min_lr():
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, min_delta=0.1, min_lr=0.005)
    rates, _ = plateau_rates(reduce, [1.0, 0.95, 0.5, 0.45, 0.44, 0.43], key="loss")
    assert rates == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.005, 0.005])


def test_reduce_on_plateau_maximises_accuracies():
    reduce = callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1)
    rates, _ = plateau_rates(reduce, [0.5, 0.6, 0.55, 0.7, 0.7], key="val_accuracy")
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_reduce_on_plateau_warns_without_its_value_and_refuses_bad_arguments():
    with pytest.warns(UserWarning, match="monitors 'val_loss', which is not in the logs; available: loss"):
        rates, _ = plateau_rates(callbacks.ReduceLROnPlateau(patience=0), [1.0, 2.0], key="loss")
    assert rates == [1.0, 1.0]
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\).*got 1.5"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="cooldown must be a whole number >= 0"):
        callbacks.ReduceLROnPlateau(cooldown=-2)
