"""Models shared by the saving tests: every kind of layer, trained a little so no weight is at its start."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim


def mixed_layers():
    """Dense, BatchNorm (buffers), activation layers, Dropout, LayerNorm, Reshape and Flatten."""
    return [nn.Dense(8), nn.BatchNorm(), nn.ReLU(), nn.Dropout(0.3), nn.Dense(6, activation="tanh"),
            nn.LayerNorm(), nn.Reshape((2, 3)), nn.Flatten(), nn.Sigmoid(), nn.Dense(3), nn.Softmax()]


def train_a_little(model, x, steps=3):
    """A few SGD steps in training mode: weights move and BatchNorm's running statistics leave (0, 1)."""
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        loss = (model(dg.tensor(x)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


@pytest.fixture
def inputs():
    return np.random.default_rng(7).normal(size=(16, 5)).astype("float32")


@pytest.fixture
def make_mixed_model():
    """A function (seed) -> a built mixed Sequential over 5 input features, trained when seed is given."""
    def make(seed=0, trained=True):
        dg.manual_seed(seed)
        model = nn.Sequential(mixed_layers())
        model.build((None, 5))
        if trained:
            train_a_little(model, np.random.default_rng(seed).normal(size=(16, 5)).astype("float32"))
        return model
    return make


def assert_same_state(first, second):
    a, b = first.state_dict(), second.state_dict()
    assert list(a) == list(b)
    for name in a:
        assert np.array_equal(a[name], b[name]), name


@pytest.fixture
def same_state():
    return assert_same_state
