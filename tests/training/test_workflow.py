"""Keras's workflow on nn modules: compile, fit, evaluate, predict, train_on_batch, summary, errors."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import callbacks, data, nn, optim


def blobs(n=200, seed=0):
    """Three well separated clusters in the plane, labels 0..2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, n)
    return (centres[y] + rng.normal(0, 0.5, (n, 2))).astype(np.float32), y


def classifier(output_activation=None):
    return nn.Sequential([nn.Dense(16, activation="relu"), nn.Dense(3, activation=output_activation)])


def compiled(**kwargs):
    model = classifier(kwargs.pop("output_activation", None))
    model.compile(optimizer=kwargs.pop("optimizer", optim.Adam(lr=0.02)),
                  loss=kwargs.pop("loss", nn.losses.SparseCategoricalCrossentropy(from_logits=True)),
                  metrics=kwargs.pop("metrics", ["accuracy"]))
    return model


def test_fit_learns_and_returns_a_history_per_epoch():
    dg.manual_seed(0)
    x, y = blobs()
    model = compiled()
    history = model.fit(x, y, epochs=5, batch_size=32, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 5 for values in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] >= 0.95
    results = model.evaluate(x, y)
    assert set(results) == {"loss", "accuracy"} and results["accuracy"] >= 0.95


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = blobs(100)
    model = compiled()
    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0, shuffle=True)
    expected = model.evaluate(x[80:], y[80:])
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-6)


def test_fit_takes_arrays_tensors_datasets_and_loaders():
    x, y = blobs(64)
    for source in [(x, y), (dg.tensor(x), dg.tensor(y)), (data.TensorDataset(x, y), None),
                   (data.DataLoader(data.TensorDataset(x, y), batch_size=16), None)]:
        model = compiled()
        history = model.fit(*source, epochs=1, verbose=0)
        assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="labels"):
        compiled().fit(data.TensorDataset(x, y), y, verbose=0)
    with pytest.raises(ValueError, match="64 samples but y has 10"):
        compiled().fit(x, y[:10], verbose=0)


def test_the_same_seed_gives_the_same_run():
    x, y = blobs()
    runs = []
    for _ in range(2):
        dg.manual_seed(7)
        model = nn.Sequential([nn.Dense(16, activation="relu"), nn.Dropout(0.2), nn.Dense(3)])
        model.compile(optimizer="adam", loss=nn.losses.SparseCategoricalCrossentropy(from_logits=True))
        runs.append(model.fit(x, y, epochs=2, verbose=0).history["loss"])
    assert runs[0] == runs[1]


def test_predict_returns_an_array_and_keeps_the_mode():
    x, y = blobs(50)
    model = compiled()
    model.fit(x, y, epochs=1, verbose=0)
    out = model.predict(x, batch_size=16)
    assert isinstance(out, np.ndarray) and out.shape == (50, 3)
    np.testing.assert_allclose(out, model.predict(dg.tensor(x)), rtol=1e-6)
    assert model.training
    model.eval()
    model.evaluate(x, y)
    assert not model.training


def test_train_on_batch_takes_one_step():
    x, y = blobs(32)
    model = compiled()
    model(dg.tensor(x))
    before = model[0].weight.numpy().copy()
    logs = model.train_on_batch(x, y)
    assert set(logs) == {"loss", "accuracy"} and not np.array_equal(before, model[0].weight.numpy())


def test_optimizer_by_name_gets_the_parameters_at_the_first_batch():
    x, y = blobs(40)
    model = compiled(optimizer="sgd")
    model.fit(x, y, epochs=1, verbose=0)
    assert isinstance(model.optimizer, optim.SGD)
    assert len(model.optimizer.param_groups[0]["params"]) == len(model.parameters()) == 4


def test_compile_and_call_order_errors():
    model = classifier()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(*blobs(10), verbose=0)
    with pytest.raises(ValueError, match="needs a loss"):
        model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        model.compile(optimizer="adamm", loss="mse")


def test_labels_beyond_the_outputs_are_caught_at_the_first_batch():
    x, y = blobs(40)
    y[0] = 11
    model = compiled()
    with pytest.raises(ValueError, match="up to 11.*3 outputs.*12 units"):
        model.fit(x, y, verbose=0)


def test_probabilities_given_to_a_from_logits_loss_are_caught():
    model = compiled(output_activation="softmax")
    with pytest.raises(ValueError, match="from_logits=True.*softmax.*remove the final activation"):
        model.fit(*blobs(40), verbose=0)


def test_logits_given_to_a_probability_loss_are_caught():
    model = compiled(loss="sparse_categorical_crossentropy")
    model(dg.tensor(blobs(40)[0]))
    with dg.no_grad():
        model[1].bias.data[...] = [5.0, -5.0, 0.0]  # surely outside [0, 1]
    with pytest.raises(ValueError, match="expects probabilities.*activation='softmax'.*from_logits=True"):
        model.fit(*blobs(40), verbose=0)


def test_wrong_input_size_names_the_layer_and_the_fix():
    model = compiled()
    model.fit(*blobs(20), verbose=0)
    with pytest.raises(dg.ShapeError, match=r"dense.*expected 2 input features.*\(4, 3, 3\).*Flatten"):
        model.predict(np.zeros((4, 3, 3), np.float32))


def test_verbose_zero_prints_nothing_and_callbacks_run(capsys):
    seen = []

    class Recorder(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, sorted(logs)))

    compiled().fit(*blobs(40), epochs=2, verbose=0, callbacks=[Recorder()])
    assert capsys.readouterr().out == ""
    assert seen == [(0, ["accuracy", "loss"]), (1, ["accuracy", "loss"])]


def test_early_stopping_stops_fit():
    x, y = blobs(60)
    model = compiled(optimizer=optim.SGD(lr=0.0))  # nothing improves
    history = model.fit(x, y, epochs=20, validation_data=(x, y), verbose=0,
                        callbacks=[callbacks.EarlyStopping(monitor="val_loss", patience=2)])
    assert len(history.history["loss"]) == 3


def test_summary_lists_layers_shapes_and_counts():
    model = nn.Sequential([nn.Dense(4, name="hidden"), nn.BatchNorm(name="norm"), nn.Dense(2, name="out")])
    model(dg.ones((3, 5)))
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "hidden (Dense)" in text and "(None, 4)" in text and "24" in text
    assert "Total params: 50" in text and "Trainable params: 42" in text and "Non-trainable params: 8" in text


def test_evaluate_counts_each_sample_once_whatever_came_before():
    x, y = blobs(90)
    model = compiled()
    model.fit(x, y, epochs=1, verbose=0)
    expected = float((model.predict(x).argmax(axis=1) == y).mean())
    for batch_size in (90, 32, 7):
        assert model.evaluate(x, y, batch_size=batch_size)["accuracy"] == pytest.approx(expected, abs=1e-12)


def test_fit_resumed_from_a_checkpoint_ends_bit_for_bit_where_an_unbroken_run_ends(tmp_path):
    x, y = blobs(120)

    def fresh():
        model = nn.Sequential([nn.Dense(16, activation="relu"), nn.Dropout(0.3), nn.Dense(3)])
        model.compile(optimizer=optim.Adam(lr=0.01), loss=nn.losses.SparseCategoricalCrossentropy(from_logits=True))
        model(dg.tensor(x[:1]))
        return model

    dg.manual_seed(3)
    unbroken = fresh()
    unbroken.fit(x, y, epochs=4, batch_size=16, verbose=0)

    dg.manual_seed(3)
    first = fresh()
    first.fit(x, y, epochs=2, batch_size=16, verbose=0)
    dg.saving.save_checkpoint(str(tmp_path / "run.ckpt"), first, first.optimizer, epoch=2)

    dg.manual_seed(99)  # a different state, which the checkpoint must replace
    resumed = fresh()
    resumed.fit(x[:16], y[:16], epochs=1, verbose=0)  # gives the optimizer its parameters and some state
    epoch = dg.saving.load_checkpoint(str(tmp_path / "run.ckpt"), resumed, resumed.optimizer)["epoch"]
    resumed.fit(x, y, epochs=4, batch_size=16, initial_epoch=epoch, verbose=0)
    for (name, a), b in zip(unbroken.state_dict().items(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
