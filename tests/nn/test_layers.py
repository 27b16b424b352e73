"""Each layer: output shape, gradient check, a training step, config round trip, PyTorch parity."""

import numpy as np
import pytest
import torch
from layer_checks import check_layer_gradients

import deepgrad as dg
from deepgrad import nn


def training_step_reduces_loss(layer, x, lr=0.01):
    """One SGD step on sum(layer(x)²) lowers it, and moves each parameter by -lr·grad."""
    loss = (layer(dg.tensor(x)) ** 2).sum()
    layer.zero_grad()
    loss.backward()
    before = [(p.numpy().copy(), p.grad.numpy().copy()) for p in layer.parameters()]
    with dg.no_grad():
        for p in layer.parameters():
            p -= lr * p.grad
    for p, (value, grad) in zip(layer.parameters(), before):
        np.testing.assert_allclose(p.numpy(), value - lr * grad, rtol=1e-6, atol=1e-7)
    assert (layer(dg.tensor(x)) ** 2).sum().item() < loss.item()


def assert_config_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    rebuilt = nn.deserialize(layer.serialize())
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == config


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# --- Dense ---------------------------------------------------------------------------------------
DENSE_ACTIVATIONS = [(None, lambda t: t), ("relu", torch.relu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid),
                     ("softmax", lambda t: torch.softmax(t, -1)), ("swish", torch.nn.functional.silu)]


@pytest.mark.parametrize("activation,torch_fn", DENSE_ACTIVATIONS)
def test_dense_matches_torch_linear(activation, torch_fn):
    dg.manual_seed(0)
    layer = nn.Dense(5, activation=activation)
    x = rng_array(4, 3)
    out = layer(dg.tensor(x))
    assert out.shape == (4, 5) and layer.weight.shape == (3, 5) and layer.bias.shape == (5,)
    linear = torch.nn.Linear(3, 5)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(layer.weight.numpy().T))
        linear.bias.copy_(torch.tensor(np.random.default_rng(1).standard_normal(5).astype(np.float32)))
        layer.bias.data[...] = linear.bias.numpy()
    out = layer(dg.tensor(x))
    tx = torch.tensor(x, requires_grad=True)
    expected = torch_fn(linear(tx))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = rng_array(4, 5, seed=2)
    dx = dg.tensor(x, requires_grad=True)
    (layer(dx) * upstream).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.numpy(), linear.weight.grad.numpy().T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.numpy(), linear.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_dense_gradients_training_step_and_config():
    layer = nn.Dense(4, activation="tanh", use_bias=True)
    x = rng_array(3, 2, 5)  # Dense works over the last axis
    assert layer(dg.tensor(x)).shape == (3, 2, 4)
    check_layer_gradients(layer, x)
    training_step_reduces_loss(layer, x)
    assert_config_round_trip(layer)
    assert nn.Dense(3, use_bias=False)(dg.ones((2, 2))).shape == (2, 3)


def test_dense_wrong_input_size_names_layer_shapes_and_fix():
    layer = nn.Dense(10, name="dense_2")
    layer(dg.ones((32, 784)))
    with pytest.raises(dg.ShapeError, match=r"dense_2.*784.*\(32, 28, 28\).*Flatten"):
        layer(dg.ones((32, 28, 28)))


def test_dense_rejects_bad_units_and_activation():
    with pytest.raises(ValueError, match="units"):
        nn.Dense(0)
    with pytest.raises(ValueError, match="unknown activation 'rellu'"):
        nn.Dense(3, activation="rellu")


# --- Dropout, Flatten, Reshape, Identity ----------------------------------------------------------
def test_dropout_drops_the_rate_and_rescales_in_training_only():
    dg.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = dg.ones((200, 100), requires_grad=True)
    out = layer(x)
    kept = out.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out.numpy()[kept], 1 / 0.75)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())  # the gradient is the same mask
    layer.eval()
    assert layer(x) is x
    dg.manual_seed(0)
    np.testing.assert_array_equal(nn.Dropout(0.25)(dg.ones((200, 100))).numpy(), out.numpy())  # seeded
    assert_config_round_trip(layer)
    with pytest.raises(ValueError, match="rate"):
        nn.Dropout(1.0)


def test_flatten_reshape_identity_match_torch_and_numpy():
    x = rng_array(2, 3, 4)
    np.testing.assert_array_equal(nn.Flatten()(dg.tensor(x)).numpy(), torch.flatten(torch.tensor(x), 1).numpy())
    np.testing.assert_array_equal(nn.Reshape((4, 3))(dg.tensor(x)).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(nn.Identity()(dg.tensor(x)).numpy(), x)
    for layer in (nn.Flatten(), nn.Reshape((12,)), nn.Identity()):
        check_layer_gradients(layer, x)
        assert_config_round_trip(layer)
    with pytest.raises(dg.ShapeError, match=r"\(3, 4\).*\(5,\)"):
        nn.Reshape((5,))(dg.tensor(x))


# --- Embedding -------------------------------------------------------------------------------------
def test_embedding_matches_torch_and_adds_gradients_of_repeated_ids():
    layer = nn.Embedding(6, 3)
    ids = np.array([[1, 4, 1], [0, 1, 5]])
    out = layer(dg.tensor(ids))
    assert out.shape == (2, 3, 3) and layer.weight.shape == (6, 3)
    reference = torch.nn.Embedding(6, 3)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.numpy()))
    expected = reference(torch.tensor(ids))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    upstream = rng_array(2, 3, 3)
    (out * upstream).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(), rtol=1e-6)
    training_step_reduces_loss(layer, ids)
    assert_config_round_trip(layer)


def test_embedding_rejects_out_of_range_and_float_ids():
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="id 5.*input_dim"):
        layer(dg.tensor([1, 5]))
    with pytest.raises(IndexError, match="id -1"):
        layer(dg.tensor([-1]))
    with pytest.raises(TypeError, match="integer ids"):
        layer(dg.tensor([1.0]))


# --- BatchNorm and LayerNorm -------------------------------------------------------------------------
@pytest.mark.parametrize("shape,torch_layer", [((8, 3), torch.nn.BatchNorm1d), ((8, 3, 5), torch.nn.BatchNorm1d),
                                               ((4, 3, 5, 5), torch.nn.BatchNorm2d)])
def test_batchnorm_matches_torch_in_training_and_eval(shape, torch_layer):
    layer, reference = nn.BatchNorm(momentum=0.2, epsilon=1e-3), torch_layer(3, momentum=0.2, eps=1e-3)
    for step in range(3):
        x = rng_array(*shape, seed=step) * 2 + 1
        dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = layer(dx), reference(tx)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
        upstream = rng_array(*shape, seed=10 + step)
        (out * upstream).sum().backward()
        (expected * torch.tensor(upstream)).sum().backward()
        np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad.numpy(), reference.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
    state = layer.state_dict()
    np.testing.assert_allclose(state["running_mean"], reference.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state["running_var"], reference.running_var.numpy(), rtol=1e-5, atol=1e-6)
    layer.eval(), reference.eval()
    x = rng_array(*shape, seed=99)
    np.testing.assert_allclose(layer(dg.tensor(x)).numpy(), reference(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_batchnorm_gradients_step_config_and_errors():
    layer = nn.BatchNorm()
    x = rng_array(6, 2, 3)
    layer(dg.tensor(x))
    check_layer_gradients(layer, x)
    layer.eval()
    check_layer_gradients(layer, x)
    layer.train()
    training_step_reduces_loss(layer, x)
    assert_config_round_trip(layer)
    with pytest.raises(dg.ShapeError, match="2 channels"):
        layer(dg.ones((6, 4)))


def test_layernorm_matches_torch():
    layer = nn.LayerNorm(epsilon=1e-5)
    x = rng_array(3, 4, 6) * 3
    out = layer(dg.tensor(x, requires_grad=True))
    reference = torch.nn.LayerNorm(6, eps=1e-5)
    expected = reference(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    upstream = rng_array(3, 4, 6, seed=5)
    (out * upstream).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    check_layer_gradients(layer, x)
    training_step_reduces_loss(layer, x)
    assert_config_round_trip(layer)


# --- activations -------------------------------------------------------------------------------------
ACTIVATION_LAYERS = [
    (nn.ReLU(), torch.nn.ReLU()), (nn.Tanh(), torch.nn.Tanh()), (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Softmax(axis=1), torch.nn.Softmax(dim=1)), (nn.Swish(), torch.nn.SiLU()), (nn.GELU(), torch.nn.GELU()),
    (nn.GELU(approximate=True), torch.nn.GELU(approximate="tanh")), (nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
    (nn.ELU(0.7), torch.nn.ELU(0.7)), (nn.Activation("selu"), torch.nn.SELU()),
    (nn.Activation("softplus"), torch.nn.Softplus()), (nn.Activation("linear"), torch.nn.Identity()),
    (nn.Activation("log_softmax"), torch.nn.LogSoftmax(dim=-1)),
]


@pytest.mark.parametrize("layer,reference", ACTIVATION_LAYERS, ids=lambda v: type(v).__name__)
def test_activation_layers_match_torch(layer, reference):
    x = rng_array(4, 5) * 3
    x[0, 0] = 0.0  # the kink of relu-like functions: gradients must agree there too
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = layer(dx), reference(tx)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = rng_array(4, 5, seed=3)
    (out * upstream).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    x[0, 0] = 0.5
    check_layer_gradients(layer, x)
    assert_config_round_trip(layer)


def test_activation_by_name_and_errors():
    assert nn.activations.get(None) is nn.activations.linear
    assert nn.activations.get("ReLU") is nn.activations.relu
    custom = lambda t: t * 2  # noqa: E731
    assert nn.activations.get(custom) is custom
    with pytest.raises(ValueError, match="swish"):
        nn.activations.get("swishh")
    large = dg.tensor([1000.0, -1000.0], requires_grad=True)
    for name in ("elu", "selu", "softplus", "swish", "gelu"):
        out = nn.activations.get(name)(large)
        out.sum().backward()
        assert np.isfinite(out.numpy()).all() and np.isfinite(large.grad.numpy()).all(), name
        large.grad = None
