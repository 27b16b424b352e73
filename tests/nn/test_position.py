"""PositionEmbedding, SinusoidalPositionEncoding and TokenAndPositionEmbedding: values, gradients,
configs and errors."""

import doctest
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn.layers import position
from deepgrad.nn.layers.position import PositionEmbedding, SinusoidalPositionEncoding, TokenAndPositionEmbedding


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("steps,features,start_index,max_wavelength", [
    (7, 6, 0, 10000), (3, 5, 4, 10000), (1, 2, 0, 100), (50, 16, 10, 10000),
])
def test_sinusoidal_encoding_is_the_papers_formula(steps, features, start_index, max_wavelength):
    layer = SinusoidalPositionEncoding(max_wavelength)
    x = dg.tensor(rng_array(2, steps, features))
    out = layer(x, start_index=start_index)
    expected = np.empty((steps, features))
    for t in range(steps):
        pos = t + start_index
        for j in range(features):  # PE(pos, 2i) = sin(pos / L^(2i/d)), PE(pos, 2i + 1) = cos(the same angle)
            i = j // 2
            angle = pos / max_wavelength ** (2 * i / features)
            expected[t, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    assert out.shape == x.shape and out.dtype == np.float32 and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(expected, x.shape), atol=2e-6)
    assert layer.parameters() == []
    assert SinusoidalPositionEncoding()(dg.tensor(rng_array(1, 2, 4)).astype("float64")).dtype == np.float64


def test_position_embedding_returns_its_rows_broadcast_and_sums_their_gradient():
    dg.manual_seed(0)
    layer = PositionEmbedding(sequence_length=6)
    x = dg.tensor(rng_array(3, 4, 5))
    out = layer(x)
    assert layer.weight.shape == (6, 5) and out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(layer.weight.numpy()[:4], (3, 4, 5)))
    np.testing.assert_array_equal(layer(x[:, :2], start_index=3).numpy()[1], layer.weight.numpy()[3:5])
    up = rng_array(3, 4, 5, seed=1)
    (out * dg.tensor(up)).sum().backward()
    expected = np.zeros((6, 5), np.float32)
    expected[:4] = up.sum(0)
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=1e-6)


def test_token_and_position_embedding_adds_the_two():
    dg.manual_seed(1)
    layer = TokenAndPositionEmbedding(vocabulary_size=10, sequence_length=5, embedding_dim=4)
    ids = np.array([[1, 2, 3], [9, 0, 9]])
    out = layer(dg.tensor(ids))
    tokens, positions = layer.token_embedding.weight.numpy(), layer.position_embedding.weight.numpy()
    np.testing.assert_allclose(out.numpy(), tokens[ids] + positions[:3], rtol=1e-6)
    assert sorted(layer.state_dict()) == ["position_embedding.weight", "token_embedding.weight"]
    assert positions.shape == (5, 4) and tokens.shape == (10, 4)


@pytest.mark.parametrize("layer", [
    PositionEmbedding(12, initializer="zeros", name="pos"), SinusoidalPositionEncoding(max_wavelength=500),
    TokenAndPositionEmbedding(30, 8, 6, embeddings_initializer="glorot_uniform"),
])
def test_config_round_trip(layer):
    assert nn.deserialize(layer.serialize()).get_config() == layer.get_config()


def test_errors_name_the_value_and_the_fix():
    layer = PositionEmbedding(4, name="pos")
    with pytest.raises(dg.ShapeError, match=r"'pos' has 4 positions \(sequence_length\) but got an input of shape "
                                            r"\(2, 5, 3\) starting at position 0; make sequence_length at least 5"):
        layer(dg.ones((2, 5, 3)))
    layer(dg.ones((2, 4, 3)))
    with pytest.raises(dg.ShapeError, match=r"starting at position 2; make sequence_length at least 6"):
        layer(dg.ones((2, 4, 3)), start_index=2)
    with pytest.raises(dg.ShapeError, match=r"built for 3 features but got an input of shape \(2, 4, 7\)"):
        layer(dg.ones((2, 4, 7)))
    with pytest.raises(dg.ShapeError, match=r"takes inputs of shape \(batch, time, features\), got \(3,\)"):
        SinusoidalPositionEncoding()(dg.ones(3))
    with pytest.raises(ValueError, match="positive integer sequence_length, got 0"):
        PositionEmbedding(0)
    with pytest.raises(ValueError, match="TokenAndPositionEmbedding needs a positive integer embedding_dim, got 2.5"):
        TokenAndPositionEmbedding(10, 4, 2.5)
    with pytest.raises(IndexError, match="got id 10, outside"):
        TokenAndPositionEmbedding(10, 4, 2)(dg.tensor([[10]]))


def test_docstring_examples_run():
    result = doctest.testmod(position, extraglobs={"dg": dg, "nn": nn}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
