"""Callback's defaults, CallbackList's dispatch, order, logs and checks, and History."""

import numpy as np
import pytest
from callback_fakes import FakeModel, fit

import deepgrad as dg
from deepgrad import callbacks


class Recorder(callbacks.Callback):
    """Records every hook it gets, with its arguments."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name.startswith("on_"):
            def record(*args, logs=None):
                self.calls.append((name, *args, dict(logs) if logs is not None else None))
                return attribute(*args, logs=logs)
            return record
        return attribute


def test_every_hook_reaches_every_callback_in_order_with_its_arguments():
    first, second = Recorder(), Recorder()
    hooks = callbacks.CallbackList([first, second])
    hooks.on_train_begin({})
    hooks.on_epoch_begin(0, {})
    hooks.on_train_batch_begin(0, {})
    hooks.on_train_batch_end(0, {"loss": 1.0})
    hooks.on_test_begin()
    hooks.on_test_batch_begin(0)
    hooks.on_test_batch_end(0, {"loss": 2.0})
    hooks.on_test_end({"loss": 2.0})
    hooks.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    hooks.on_train_end({"loss": 1.0})
    hooks.on_predict_begin()
    hooks.on_predict_batch_begin(0)
    hooks.on_predict_batch_end(0)
    hooks.on_predict_end()
    names = [call[0] for call in first.calls]
    assert names == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_batch_begin",
                     "on_train_batch_end", "on_batch_end", "on_test_begin", "on_test_batch_begin",
                     "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end", "on_predict_begin",
                     "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end"]
    assert first.calls == second.calls
    assert ("on_epoch_end", 0, {"loss": 1.0, "val_loss": 2.0}) in first.calls
    assert ("on_predict_end", {}) in first.calls  # logs=None reaches the callbacks as {}


def test_the_base_callback_forwards_train_batches_to_kerass_old_batch_hooks():
    seen = []

    class OldStyle(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs))

    callbacks.CallbackList([OldStyle()]).on_train_batch_end(3, {"loss": 0.5})
    assert seen == [(3, {"loss": 0.5})]


def test_history_and_progbar_are_added_after_the_users_callbacks_unless_given():
    user = Recorder()
    hooks = callbacks.CallbackList([user], add_history=True, add_progbar=True)
    assert [type(c) for c in hooks] == [Recorder, callbacks.History, callbacks.ProgbarLogger]
    assert hooks.history is hooks.callbacks[1] and hooks.progbar is hooks.callbacks[2]
    own = callbacks.History()
    hooks = callbacks.CallbackList([own], add_history=True, add_progbar=False)
    assert hooks.callbacks == [own] and hooks.history is own and hooks.progbar is None


def test_model_and_params_reach_every_callback_also_those_added_later():
    model, first, later = FakeModel(), Recorder(), Recorder()
    hooks = callbacks.CallbackList([first], model=model, epochs=3, steps=10, verbose=0)
    hooks.append(later)
    for callback in (first, later):
        assert callback.model is model and callback.params == {"epochs": 3, "steps": 10, "verbose": 0}
    hooks.set_params({"epochs": 5})
    assert later.params == {"epochs": 5} and len(hooks) == 2


def test_logs_become_python_numbers_and_one_callbacks_additions_reach_the_next_but_not_the_caller():
    class AddsRate(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["learning_rate"] = 0.1

    recorder = Recorder()
    logs = {"loss": dg.tensor(0.5), "accuracy": np.float32(0.25), "val_loss": np.array([2.0]), "note": "x"}
    callbacks.CallbackList([AddsRate(), recorder]).on_epoch_end(0, logs)
    seen = recorder.calls[0][2]
    assert seen == {"loss": 0.5, "accuracy": 0.25, "val_loss": 2.0, "note": "x", "learning_rate": 0.1}
    assert all(type(seen[key]) is float for key in ("loss", "accuracy", "val_loss"))
    assert "learning_rate" not in logs


def test_wrong_callbacks_are_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"class EarlyStopping, not a callback; pass an instance: EarlyStopping\(\)"):
        callbacks.CallbackList([callbacks.EarlyStopping])
    with pytest.raises(TypeError, match="must be deepgrad.callbacks.Callback instances, got 'stop'"):
        callbacks.CallbackList(["stop"])


def test_history_keeps_one_value_per_epoch_and_sets_model_history():
    model, hooks, ran = fit([], [{"loss": 0.9, "val_loss": 1.0}, {"loss": 0.5, "val_loss": 0.7},
                                 {"loss": 0.4, "val_loss": 0.8}])
    history = hooks.history
    assert history.history == {"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.8]}
    assert history.epoch == [0, 1, 2] == ran
    assert model.history is history


def test_a_history_given_twice_keeps_adding_across_fits():
    history = callbacks.History()
    fit([history], [{"loss": 1.0}])
    fit([history], [{"loss": 0.5}])
    assert history.history == {"loss": [1.0, 0.5]} and history.epoch == [0, 0]
