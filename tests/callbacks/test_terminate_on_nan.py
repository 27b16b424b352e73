"""TerminateOnNaN stops at the first NaN or inf and says which value, batch and epoch."""

import math

from callback_fakes import fit

from deepgrad import callbacks

FINE = [{"loss": 0.5}] * 4


def test_stops_at_the_first_nan_loss_and_names_the_value_batch_and_epoch(capsys):
    guard = callbacks.TerminateOnNaN()
    batches = [FINE, [{"loss": 0.5}, {"loss": 0.4}, {"loss": math.nan}, {"loss": math.nan}], FINE]
    model, hooks, ran = fit([guard], [{"loss": 0.5}] * 3, batches)
    assert model.stop_training and ran == [0, 1]
    assert guard.message == ("Epoch 2, batch 3: loss is nan; terminating training (lower the learning rate, "
                             "or check the inputs for NaN)")
    assert (guard.stopped_epoch, guard.stopped_batch) == (1, 2)
    assert capsys.readouterr().out == guard.message + "\n"


def test_any_logged_value_counts_and_infinity_too():
    guard = callbacks.TerminateOnNaN()
    fit([guard], [{"loss": 0.5}], [[{"loss": 0.5, "accuracy": math.inf}]])
    assert guard.message.startswith("Epoch 1, batch 1: accuracy is inf;")
    guard = callbacks.TerminateOnNaN()
    fit([guard], [{"loss": 0.5}], [[{"loss": -math.inf}]])
    assert "loss is -inf" in guard.message


def test_a_nan_validation_value_stops_at_the_epochs_end():
    guard = callbacks.TerminateOnNaN()
    model, _, ran = fit([guard], [{"loss": 0.5, "val_loss": 0.6}, {"loss": 0.4, "val_loss": math.nan},
                                  {"loss": 0.3, "val_loss": 0.2}], [FINE] * 3)
    assert ran == [0, 1] and model.stop_training
    assert guard.message.startswith("End of epoch 2: val_loss is nan;") and guard.stopped_batch is None


def test_finite_values_never_stop_training(capsys):
    guard = callbacks.TerminateOnNaN()
    model, _, ran = fit([guard], [{"loss": 0.5}] * 3, [FINE] * 3)
    assert ran == [0, 1, 2] and not model.stop_training and guard.message is None
    assert capsys.readouterr().out == ""
