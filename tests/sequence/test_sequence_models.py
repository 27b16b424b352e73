"""Sequence models: shapes, padding that changes nothing, masked pooling, a toy task learned, configs saved."""

import doctest
import importlib

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim, sequence
from deepgrad.sequence import (
    TextLSTMClassifier,
    TextTransformerClassifier,
    lstm_forecaster,
    masked_pool,
    text_lstm_classifier,
    text_transformer_classifier,
)

IDS = np.array([[5, 7, 9, 2, 0, 0], [4, 3, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6]])

MAKERS = {
    "lstm max": lambda: text_lstm_classifier(20, classes=3),
    "lstm mean one-way": lambda: text_lstm_classifier(20, classes=3, bidirectional=False, pooling="mean"),
    "lstm last": lambda: text_lstm_classifier(20, classes=3, pooling="last"),
    "lstm last one-way": lambda: text_lstm_classifier(20, classes=3, bidirectional=False, pooling="last"),
    "transformer": lambda: text_transformer_classifier(20, classes=3, sequence_length=10, embedding_dim=8,
                                                       num_heads=2, intermediate_dim=16),
}


@pytest.mark.parametrize("name", MAKERS)
def test_logits_of_shape_batch_by_classes(name):
    dg.manual_seed(0)
    assert MAKERS[name]()(dg.tensor(IDS)).shape == (3, 3)


@pytest.mark.parametrize("name", MAKERS)
def test_more_padding_changes_nothing(name):
    dg.manual_seed(0)
    model = MAKERS[name]()
    model.eval()  # dropout off
    padded = np.concatenate([IDS, np.zeros((3, 4), dtype=np.int64)], axis=1)
    np.testing.assert_allclose(model(IDS).numpy(), model(padded).numpy(), rtol=1e-5, atol=1e-6)


def test_without_mask_zero_the_padding_is_read():
    dg.manual_seed(0)
    model = text_lstm_classifier(20, classes=3, mask_zero=False)
    model.eval()
    padded = np.concatenate([IDS, np.zeros((3, 4), dtype=np.int64)], axis=1)
    assert not np.allclose(model(IDS).numpy(), model(padded).numpy())


def test_masked_pool_against_numpy_and_finite_differences():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((3, 5, 4)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    for row in range(3):
        real = h[row][mask[row]]
        np.testing.assert_allclose(masked_pool(dg.tensor(h), dg.tensor(mask), "max").numpy()[row], real.max(0))
        np.testing.assert_allclose(masked_pool(dg.tensor(h), dg.tensor(mask), "mean").numpy()[row], real.mean(0),
                                   rtol=1e-6)
    for pooling in ("max", "mean"):
        dg.check_gradients(lambda x, p=pooling: masked_pool(x, dg.tensor(mask), p), dg.tensor(h.astype(np.float64)))


def test_a_row_without_tokens_pools_to_zeros():
    h = dg.ones((2, 3, 2))
    mask = dg.tensor(np.array([[False] * 3, [True, False, False]]))
    for pooling in ("max", "mean"):
        np.testing.assert_array_equal(masked_pool(h, mask, pooling).numpy(), [[0, 0], [1, 1]])


@pytest.mark.parametrize("name", ["lstm max", "transformer"])
def test_a_toy_task_is_learned(name):
    # Label 1 when the token 3 occurs anywhere in a padded sequence: order and length vary.
    rng = np.random.default_rng(0)
    ids = rng.integers(4, 20, (256, 10))
    ids[rng.random((256, 10)) < 0.1] = 3
    for row, length in enumerate(rng.integers(3, 11, 256)):
        ids[row, length:] = 0
    labels = (ids == 3).any(axis=1).astype(np.int64)
    dg.manual_seed(0)
    model = MAKERS[name]()
    model.compile(optim.Adam(lr=0.01), nn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(ids, labels, batch_size=32, epochs=15, verbose=0)
    assert model.evaluate(ids, labels)["accuracy"] >= 0.95  # the majority class alone is 57%


@pytest.mark.parametrize("name", MAKERS)
def test_config_round_trip_and_save_load(name, tmp_path):
    dg.manual_seed(0)
    model = MAKERS[name]()
    model.eval()
    expected = model(IDS).numpy()
    twin = type(model).from_config(model.get_config())
    assert twin.get_config() == model.get_config()
    dg.save(model, tmp_path / "model", input_shape=(None, IDS.shape[1]))
    loaded = dg.load(tmp_path / "model")
    loaded.eval()
    np.testing.assert_allclose(loaded(IDS).numpy(), expected, rtol=1e-6)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match=r"pooling must be one of \('max', 'mean', 'last'\), got 'sum'"):
        TextLSTMClassifier(10, 2, pooling="sum")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.5"):
        TextLSTMClassifier(10, 2, dropout=1.5)
    with pytest.raises(ValueError, match=r"positive integer number of layers, got 0"):
        lstm_forecaster(layers=0)
    assert isinstance(text_transformer_classifier(10, 2, sequence_length=4), TextTransformerClassifier)


@pytest.mark.parametrize("layers", [1, 2])
def test_the_forecaster_reads_windows(layers):
    dg.manual_seed(0)
    model = lstm_forecaster(units=6, outputs=2, layers=layers)
    assert model(dg.zeros((5, 7, 3))).shape == (5, 2)
    assert sum(isinstance(layer, nn.LSTM) for layer in model.layers) == layers


@pytest.mark.parametrize("name", ["deepgrad.sequence", "deepgrad.sequence.models", "deepgrad.sequence.windows"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_the_public_names():
    assert all(hasattr(sequence, name) for name in sequence.__all__)
