"""ProgbarLogger: a line per epoch off a terminal or at verbose=2, a tqdm bar with ETA and metrics on one."""

import io
import re

from callback_fakes import FakeModel, fit

from deepgrad import callbacks

EPOCHS = [{"loss": 0.5, "accuracy": 0.25, "val_loss": 0.00012, "val_accuracy": 1.0},
          {"loss": 0.125, "accuracy": 0.75, "val_loss": 2.5, "val_accuracy": 0.5}]
BATCHES = [[{"loss": 1.0 / (b + 1), "accuracy": 0.5} for b in range(4)]] * 2


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_off_a_terminal_it_writes_exactly_one_line_per_epoch_with_the_values():
    out = io.StringIO()
    fit([callbacks.ProgbarLogger(stream=out)], EPOCHS, BATCHES, verbose=1)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"Epoch 1/2 - (?:\d+\.\ds|\d+ms) - loss: 0\.5000 - accuracy: 0\.2500 - val_loss: 1\.2000e-04 - "
                        r"val_accuracy: 1\.0000", lines[0])
    assert re.fullmatch(r"Epoch 2/2 - (?:\d+\.\ds|\d+ms) - loss: 0\.1250 - accuracy: 0\.7500 - val_loss: 2\.5000 - "
                        r"val_accuracy: 0\.5000", lines[1])


def test_verbose_2_writes_lines_even_on_a_terminal_and_verbose_0_writes_nothing():
    out = FakeTerminal()
    fit([callbacks.ProgbarLogger(stream=out)], EPOCHS, BATCHES, verbose=2)
    assert len(out.getvalue().splitlines()) == 2 and "\r" not in out.getvalue()
    for stream in (io.StringIO(), FakeTerminal()):
        fit([callbacks.ProgbarLogger(stream=stream)], EPOCHS, BATCHES, verbose=0)
        assert stream.getvalue() == ""


def test_on_a_terminal_it_draws_a_tqdm_bar_with_eta_and_live_metrics():
    out = FakeTerminal()
    fit([callbacks.ProgbarLogger(stream=out, mininterval=0)], EPOCHS, BATCHES, verbose=1)
    frames = [frame for frame in re.split(r"[\r\n]", out.getvalue()) if frame.strip()]
    after_first_batch = [f for f in frames if f.startswith("Epoch 1/2") and " 1/4 " in f]
    assert after_first_batch and "loss: 1.0000 - accuracy: 0.5000" in after_first_batch[-1]
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", after_first_batch[-1])  # [elapsed<ETA
    last = [f for f in frames if f.startswith("Epoch 2/2")][-1]
    assert " 4/4 " in last and "loss: 0.1250 - accuracy: 0.7500 - val_loss: 2.5000 - val_accuracy: 0.5000" in last
    assert out.getvalue().count("\n") == 2  # each epoch's bar ends on its own line


def test_the_tty_flag_overrides_the_streams_own_answer():
    out = FakeTerminal()
    fit([callbacks.ProgbarLogger(stream=out, tty=False)], EPOCHS, BATCHES, verbose=1)
    assert len(out.getvalue().splitlines()) == 2 and "\r" not in out.getvalue()
    out = io.StringIO()
    fit([callbacks.ProgbarLogger(stream=out, tty=True, mininterval=0)], EPOCHS, BATCHES, verbose=1)
    assert "\r" in out.getvalue() and "4/4" in out.getvalue()


def test_it_writes_to_stdout_by_default(capsys):
    fit([callbacks.ProgbarLogger()], EPOCHS[:1], verbose=1)
    assert capsys.readouterr().out.startswith("Epoch 1/1 - ")


def test_evaluate_and_predict_outside_fit_get_one_line_and_fits_validation_gets_none():
    out = io.StringIO()
    bar = callbacks.ProgbarLogger(stream=out)
    hooks = callbacks.CallbackList([bar], model=FakeModel(), verbose=1, steps=2)
    hooks.on_test_begin()
    for batch in range(2):
        hooks.on_test_batch_end(batch, {"loss": 0.25})
    hooks.on_test_end({"loss": 0.25, "accuracy": 1.0})
    hooks.on_predict_begin()
    hooks.on_predict_batch_end(0)
    hooks.on_predict_end()
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"Evaluate - (?:\d+\.\ds|\d+ms) - loss: 0\.2500 - accuracy: 1\.0000", lines[0])
    assert re.fullmatch(r"Predict - (?:\d+\.\ds|\d+ms)", lines[1]) and len(lines) == 2
    out.truncate(0)
    out.seek(0)
    hooks.on_train_begin()
    hooks.on_epoch_begin(0)
    hooks.on_test_begin()
    hooks.on_test_end({"loss": 0.25})
    assert out.getvalue() == ""
    hooks.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.25})
    hooks.on_train_end()
    assert out.getvalue().count("\n") == 1 and "val_loss: 0.2500" in out.getvalue()


def test_a_bar_left_open_by_a_stop_mid_epoch_is_closed_at_the_end():
    out = FakeTerminal()
    bar = callbacks.ProgbarLogger(stream=out)
    hooks = callbacks.CallbackList([bar], model=FakeModel(), verbose=1, steps=4, epochs=1)
    hooks.on_train_begin()
    hooks.on_epoch_begin(0)
    hooks.on_train_batch_end(0, {"loss": 1.0})
    hooks.on_train_end()
    assert bar._bar is None and out.getvalue().endswith("\n")
