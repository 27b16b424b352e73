"""EarlyStopping: patience, min_delta, modes, baseline, start_from_epoch and restore_best_weights (Keras 3)."""

import numpy as np
import pytest
from callback_fakes import fit

import deepgrad as dg
from deepgrad import callbacks, nn


def val_losses(*values):
    return [{"loss": 1.0, "val_loss": value} for value in values]


def test_stops_after_patience_epochs_without_improvement():
    stopper = callbacks.EarlyStopping(patience=2)
    model, _, ran = fit([stopper], val_losses(1.0, 0.9, 0.95, 0.97, 0.5, 0.4))
    assert ran == [0, 1, 2, 3] and model.stop_training
    assert stopper.stopped_epoch == 3 and stopper.best == 0.9 and stopper.best_epoch == 1


def test_patience_zero_stops_at_the_first_epoch_that_is_not_better():
    stopper = callbacks.EarlyStopping(monitor="loss")
    _, _, ran = fit([stopper], [{"loss": 1.0}, {"loss": 0.8}, {"loss": 0.8}, {"loss": 0.1}])
    assert ran == [0, 1, 2] and stopper.stopped_epoch == 2


def test_runs_to_the_end_while_it_improves():
    stopper = callbacks.EarlyStopping(patience=1)
    model, _, ran = fit([stopper], val_losses(1.0, 0.9, 0.8, 0.7))
    assert ran == [0, 1, 2, 3] and not model.stop_training and stopper.stopped_epoch == 0


def test_changes_smaller_than_min_delta_are_not_improvements():
    _, _, ran = fit([callbacks.EarlyStopping(patience=1, min_delta=0.05)], val_losses(1.0, 0.97, 0.8))
    assert ran == [0, 1]
    _, _, ran = fit([callbacks.EarlyStopping(patience=1, min_delta=0.01)], val_losses(1.0, 0.97, 0.8))
    assert ran == [0, 1, 2]


def test_auto_mode_maximises_accuracy_like_names_and_minimises_the_rest():
    for name in ("val_accuracy", "acc", "val_auc", "precision", "val_recall"):
        assert callbacks.EarlyStopping(monitor=name).mode == "max"
    for name in ("val_loss", "mae", "val_mse"):
        assert callbacks.EarlyStopping(monitor=name).mode == "min"
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    _, _, ran = fit([stopper], [{"val_accuracy": a} for a in (0.5, 0.7, 0.6, 0.9)])
    assert ran == [0, 1, 2] and stopper.best == 0.7


def test_explicit_mode_overrides_the_name():
    stopper = callbacks.EarlyStopping(monitor="score", mode="max", patience=1)
    _, _, ran = fit([stopper], [{"score": s} for s in (1.0, 2.0, 1.5, 3.0)])
    assert ran == [0, 1, 2]
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'lowest'"):
        callbacks.EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience must be a whole number >= 0, got -1"):
        callbacks.EarlyStopping(patience=-1)


def test_baseline_keeps_the_wait_running_until_it_is_beaten():
    # Keras 3: improvements that do not beat the baseline do not reset the wait.
    _, _, ran = fit([callbacks.EarlyStopping(patience=2, baseline=0.5)], val_losses(0.8, 0.9, 0.7))
    assert ran == [0, 1]
    _, _, ran = fit([callbacks.EarlyStopping(patience=2)], val_losses(0.8, 0.9, 0.7))
    assert ran == [0, 1, 2]
    _, _, ran = fit([callbacks.EarlyStopping(patience=2, baseline=0.5)], val_losses(0.4, 0.45, 0.46, 0.3))
    assert ran == [0, 1, 2]


def test_start_from_epoch_ignores_the_first_epochs():
    stopper = callbacks.EarlyStopping(patience=0, start_from_epoch=2)
    _, _, ran = fit([stopper], val_losses(0.5, 0.9, 1.0, 1.1, 0.2))
    assert ran == [0, 1, 2, 3] and stopper.best == 1.0 and stopper.best_epoch == 2


def test_restores_the_best_weights_when_it_stops():
    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    model, _, ran = fit([stopper], val_losses(1.0, 0.6, 0.7, 0.8, 0.1))
    assert ran == [0, 1, 2, 3]
    assert model.calls[-1][0] == "load_state_dict"
    assert model.weights["w"].tolist() == [2.0, 2.0, 2.0]  # after epoch 1, the best


def test_restores_the_best_weights_also_when_training_runs_to_the_end():
    stopper = callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    model, _, ran = fit([stopper], val_losses(1.0, 0.4, 0.7))
    assert ran == [0, 1, 2] and not model.stop_training
    assert model.weights["w"].tolist() == [2.0, 2.0, 2.0]


def test_leaves_the_weights_alone_without_restore_best_weights():
    model, _, _ = fit([callbacks.EarlyStopping(patience=1)], val_losses(1.0, 0.4, 0.7, 0.8))
    assert model.calls == [] and model.weights["w"].tolist() == [3.0, 3.0, 3.0]


def test_warns_with_the_available_keys_when_the_monitored_value_is_missing():
    stopper = callbacks.EarlyStopping(patience=0)
    with pytest.warns(UserWarning, match=r"monitors 'val_loss', which is not in the logs; available: loss, accuracy"):
        model, _, ran = fit([stopper], [{"loss": 1.0, "accuracy": 0.5}, {"loss": 2.0, "accuracy": 0.4}])
    assert ran == [0, 1] and not model.stop_training


def test_can_be_reused_for_a_second_fit():
    stopper = callbacks.EarlyStopping(patience=0)
    fit([stopper], val_losses(0.1, 0.2))
    assert stopper.stopped_epoch == 1
    _, _, ran = fit([stopper], val_losses(1.0, 0.9, 0.8))
    assert ran == [0, 1, 2] and stopper.stopped_epoch == 0 and stopper.best == 0.8


def test_restores_a_real_models_weights_from_a_copy_kept_in_memory():
    dg.manual_seed(0)
    model = nn.Sequential([nn.Dense(3), nn.Dense(1)])
    model(dg.ones((2, 4)))
    model.stop_training = False
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    hooks = callbacks.CallbackList([stopper], model=model, epochs=4)
    hooks.on_train_begin()
    saved = {}
    for epoch, val_loss in enumerate([0.9, 0.3, 0.5, 0.6]):
        for p in model.parameters():
            p.data += 1.0  # what training does: the parameters change in place
        saved[epoch] = model.state_dict()
        hooks.on_epoch_end(epoch, {"val_loss": val_loss})
        if model.stop_training:
            break
    hooks.on_train_end()
    assert epoch == 2
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, saved[1][name])
        assert not np.array_equal(value, saved[2][name])
