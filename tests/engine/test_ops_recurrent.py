"""The fused recurrent primitives (lstm, gru, simple_rnn): against PyTorch, finite differences and masking rules.

Every test runs twice, with the compiled time loops (engine/kernels/recurrent.py, when Numba is
installed) and with the NumPy reference; test_kernels_recurrent.py checks the two against each other.
"""

import doctest

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.engine import ops
from deepgrad.engine.ops import recurrent

pytestmark = pytest.mark.usefixtures("kernel_path")

SHAPES = [(1, 1, 1, 1), (3, 5, 4, 6), (2, 7, 3, 2), (4, 3, 6, 5)]  # (batch, time, features, units)
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def arrays(n, t, f, u, kind, seed=0):
    """Inputs and PyTorch-layout-free weights for one case, in float64."""
    rng = np.random.default_rng(seed)
    g = GATES[kind] * u
    return {
        "x": rng.standard_normal((n, t, f)), "h0": rng.standard_normal((n, u)), "c0": rng.standard_normal((n, u)),
        "w_ih": rng.standard_normal((f, g)) * 0.6, "w_hh": rng.standard_normal((u, g)) * 0.6,
        "b_ih": rng.standard_normal(g) * 0.5, "b_hh": rng.standard_normal(g) * 0.5,
    }


def run_deepgrad(kind, a, mask=None, activation="tanh"):
    """(leaf tensors, outputs, h_T, c_T or None); for gru and simple_rnn the input projection made
    by ordinary ops, lstm does its own (with PyTorch's two biases added into its one)."""
    leaves = {k: dg.tensor(v, dtype="float64", requires_grad=True) for k, v in a.items()}
    x, h0, w_ih, w_hh, b_ih, b_hh = (leaves[k] for k in ("x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"))
    if kind == "lstm":
        outputs, h, c = recurrent.lstm(x, h0, leaves["c0"], w_ih, w_hh, b_ih + b_hh, mask)
        return leaves, outputs, h, c
    if kind == "gru":
        outputs, h = recurrent.gru(x @ w_ih + b_ih, h0, w_hh, b_hh, mask)
    else:
        outputs, h = recurrent.simple_rnn(x @ w_ih + (b_ih + b_hh), h0, w_hh, activation, mask)
    return leaves, outputs, h, None


def run_torch(kind, a, activation="tanh"):
    f, u = a["w_ih"].shape[0], a["h0"].shape[1]
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
    module = (cls(f, u, batch_first=True, nonlinearity=activation) if kind == "rnn" else cls(f, u, batch_first=True))
    module = module.double()
    with torch.no_grad():  # PyTorch keeps the transposes of our weights
        for ours, theirs in (("w_ih", "weight_ih_l0"), ("w_hh", "weight_hh_l0")):
            getattr(module, theirs).copy_(torch.tensor(a[ours].T))
        module.bias_ih_l0.copy_(torch.tensor(a["b_ih"]))
        module.bias_hh_l0.copy_(torch.tensor(a["b_hh"]))
    x, h0, c0 = (torch.tensor(a[k], requires_grad=True) for k in ("x", "h0", "c0"))
    if kind == "lstm":
        outputs, (h, c) = module(x, (h0[None], c0[None]))
        return module, (x, h0, c0), outputs, h[0], c[0]
    outputs, h = module(x, h0[None])
    return module, (x, h0, c0), outputs, h[0], None


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("shape", SHAPES)
def test_outputs_and_every_gradient_match_torch(kind, shape):
    a = arrays(*shape, kind)
    leaves, outputs, h, c = run_deepgrad(kind, a)
    module, (tx, th0, tc0), t_outputs, t_h, t_c = run_torch(kind, a)
    close = dict(rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(outputs.numpy(), t_outputs.detach().numpy(), **close)
    np.testing.assert_allclose(h.numpy(), t_h.detach().numpy(), **close)
    assert outputs.shape == shape[:2] + (shape[3],) and h.shape == (shape[0], shape[3])

    rng = np.random.default_rng(1)  # random upstream gradients for every output
    up_o, up_h, up_c = rng.standard_normal(outputs.shape), rng.standard_normal(h.shape), rng.standard_normal(h.shape)
    loss = (outputs * up_o).sum() + (h * up_h).sum()
    t_loss = (t_outputs * torch.tensor(up_o)).sum() + (t_h * torch.tensor(up_h)).sum()
    if c is not None:
        np.testing.assert_allclose(c.numpy(), t_c.detach().numpy(), **close)
        loss, t_loss = loss + (c * up_c).sum(), t_loss + (t_c * torch.tensor(up_c)).sum()
    loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(leaves["x"].grad.numpy(), tx.grad.numpy(), **close)
    np.testing.assert_allclose(leaves["h0"].grad.numpy(), th0.grad.numpy(), **close)
    if c is not None:
        np.testing.assert_allclose(leaves["c0"].grad.numpy(), tc0.grad.numpy(), **close)
    np.testing.assert_allclose(leaves["w_ih"].grad.numpy(), module.weight_ih_l0.grad.numpy().T, **close)
    np.testing.assert_allclose(leaves["w_hh"].grad.numpy(), module.weight_hh_l0.grad.numpy().T, **close)
    np.testing.assert_allclose(leaves["b_hh"].grad.numpy(), module.bias_hh_l0.grad.numpy(), **close)


def test_simple_rnn_relu_matches_torch_and_sigmoid_linear_match_numpy():
    a = arrays(3, 4, 2, 5, "rnn", seed=3)
    leaves, outputs, _, _ = run_deepgrad("rnn", a, activation="relu")
    module, (tx, _, _), t_outputs, _, _ = run_torch("rnn", a, activation="relu")
    np.testing.assert_allclose(outputs.numpy(), t_outputs.detach().numpy(), rtol=1e-9, atol=1e-10)
    outputs.sum().backward()
    t_outputs.sum().backward()
    np.testing.assert_allclose(leaves["w_hh"].grad.numpy(), module.weight_hh_l0.grad.numpy().T, rtol=1e-9, atol=1e-10)
    for activation, act in (("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("linear", lambda z: z)):
        _, outputs, h, _ = run_deepgrad("rnn", a, activation=activation)
        state = a["h0"]
        for t in range(4):
            state = act(a["x"][:, t] @ a["w_ih"] + a["b_ih"] + a["b_hh"] + state @ a["w_hh"])
            np.testing.assert_allclose(outputs.numpy()[:, t], state, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(h.numpy(), state, rtol=1e-9, atol=1e-12)


def flat_results(kind, mask=None, activation="tanh"):
    """fn(x, h0, c0, w_hh, b_hh, w_ih) -> every output of the primitive, flattened into one tensor
    (x is x_projected for gru and simple_rnn, which take no w_ih; lstm takes b_hh as its bias)."""

    def fn(xp_, h0, c0, w_hh, b_hh, w_ih):
        if kind == "lstm":
            results = recurrent.lstm(xp_, h0, c0, w_ih, w_hh, b_hh, mask=mask)
        elif kind == "gru":
            results = recurrent.gru(xp_, h0, w_hh, b_hh, mask=mask)
        else:
            results = recurrent.simple_rnn(xp_, h0, w_hh, activation=activation, mask=mask)
        return ops.concatenate([r.reshape(-1) for r in results])

    return fn


MASK = np.array([[True, True, True], [True, False, False], [False, True, True]])  # right and left padding


@pytest.mark.parametrize("kind,activation", [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "sigmoid")])
@pytest.mark.parametrize("mask", [None, MASK], ids=["unmasked", "masked"])
def test_finite_differences_in_float64(kind, activation, mask):
    rng = np.random.default_rng(2)
    n, t, u = 3, 3, 2
    g = GATES[kind] * u
    features = 2 if kind == "lstm" else g
    shapes = ((n, t, features), (n, u), (n, u), (u, g), (g,), (features, g))
    inputs = [dg.tensor(rng.standard_normal(shape)) for shape in shapes]
    assert dg.check_gradients(flat_results(kind, mask, activation), *inputs, atol=1e-6, rtol=1e-4)


def test_finite_differences_for_relu_away_from_its_kink():
    rng = np.random.default_rng(4)
    shapes = ((2, 3, 2), (2, 2), (2, 2), (2, 2), (2,), (2, 2))
    inputs = [dg.tensor(rng.uniform(0.2, 1.0, shape)) for shape in shapes]
    assert dg.check_gradients(flat_results("rnn", MASK[:2], "relu"), *inputs, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_a_padded_batch_ends_in_the_states_of_its_unpadded_rows(kind):
    lengths = [5, 2, 4, 1]
    a = arrays(4, 5, 3, 4, kind, seed=5)
    mask = np.arange(5)[None, :] < np.array(lengths)[:, None]
    _, outputs, h, c = run_deepgrad(kind, a, mask=mask)
    for row, length in enumerate(lengths):
        alone = {**a, "x": a["x"][row : row + 1, :length], "h0": a["h0"][row : row + 1], "c0": a["c0"][row : row + 1]}
        _, row_outputs, row_h, row_c = run_deepgrad(kind, alone)
        np.testing.assert_allclose(h.numpy()[row], row_h.numpy()[0], rtol=1e-12, atol=1e-12)
        if c is not None:
            np.testing.assert_allclose(c.numpy()[row], row_c.numpy()[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(outputs.numpy()[row, :length], row_outputs.numpy()[0], rtol=1e-12, atol=1e-12)
        # Keras's rule: a padded step repeats the previous output (the carried state)
        padded = outputs.numpy()[row, length:]
        np.testing.assert_array_equal(padded, np.broadcast_to(outputs.numpy()[row, length - 1], padded.shape))


def test_leading_masked_steps_carry_the_initial_state_and_get_no_gradient():
    a = arrays(2, 4, 3, 3, "lstm", seed=6)
    mask = np.array([[False, False, True, True], [True, True, True, True]])
    leaves, outputs, h, _ = run_deepgrad("lstm", a, mask=mask)
    np.testing.assert_array_equal(outputs.numpy()[0, :2], np.stack([a["h0"][0]] * 2))
    alone = {**a, "x": a["x"][:1, 2:], "h0": a["h0"][:1], "c0": a["c0"][:1]}
    np.testing.assert_allclose(h.numpy()[0], run_deepgrad("lstm", alone)[2].numpy()[0], rtol=1e-12, atol=1e-12)
    h.sum().backward()
    assert np.all(leaves["x"].grad.numpy()[0, :2] == 0) and np.any(leaves["x"].grad.numpy()[0, 2:] != 0)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_a_graph_kept_with_retain_graph_gives_the_same_gradients_twice(kind):
    leaves, outputs, h, _ = run_deepgrad(kind, arrays(2, 4, 3, 3, kind, seed=7), mask=MASK[:2, [0, 1, 2, 2]])
    loss = outputs.sum() + (h * h).sum()
    loss.backward(retain_graph=True)
    first = leaves["w_hh"].grad.numpy().copy()
    leaves["w_hh"].grad = None
    loss.backward()
    np.testing.assert_array_equal(leaves["w_hh"].grad.numpy(), first)


def test_float32_stays_float32_and_other_dtypes_follow_x():
    x, w, w_ih = dg.randn(2, 3, 5), dg.randn(2, 8, requires_grad=True), dg.randn(5, 8, requires_grad=True)
    h0 = dg.zeros((2, 2), dtype="float64", requires_grad=True)
    outputs, h, c = recurrent.lstm(x, h0, dg.zeros((2, 2)), w_ih, w)
    assert outputs.dtype == h.dtype == c.dtype == np.float32
    (h.sum() + c.sum()).backward()
    assert h0.grad.dtype == np.float64 and w.grad.dtype == np.float32 and w.grad.shape == (2, 8)
    assert w_ih.grad.dtype == np.float32 and w_ih.grad.shape == (5, 8)


def test_lstm_without_bias_follows_the_equations():
    """lstm's input projection, folded into its step's matmul, without a bias (no row of ones):
    the outputs and final cell follow the equations written out in NumPy."""
    a = arrays(3, 4, 2, 3, "lstm", seed=8)
    x, h0, c0, w_ih, w_hh = (dg.tensor(a[k], dtype="float64", requires_grad=True)
                             for k in ("x", "h0", "c0", "w_ih", "w_hh"))
    outputs, h, c = recurrent.lstm(x, h0, c0, w_ih, w_hh)
    state, cell = a["h0"], a["c0"]
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for t in range(4):
        i, f, g, o = np.split(a["x"][:, t] @ a["w_ih"] + state @ a["w_hh"], 4, axis=1)
        cell = sigmoid(f) * cell + sigmoid(i) * np.tanh(g)
        state = sigmoid(o) * np.tanh(cell)
        np.testing.assert_allclose(outputs.numpy()[:, t], state, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), cell, rtol=1e-10, atol=1e-12)
    (outputs.sum() + c.sum()).backward()
    assert x.grad.shape == (3, 4, 2) and w_ih.grad.shape == (2, 12) and w_hh.grad.shape == (3, 12)


def test_no_initial_state_gradient_is_computed_when_none_is_needed():
    x, w = dg.randn(2, 3, 4, requires_grad=True), dg.randn(4, 4, requires_grad=True)
    outputs, h = recurrent.simple_rnn(x, dg.zeros((2, 4)), w)
    grads = dg.grad(h.sum(), [x, w])
    assert grads[0].shape == (2, 3, 4) and grads[1].shape == (4, 4)


def test_bad_shapes_masks_and_activations_raise_typed_errors():
    x, h0, w, w_ih = dg.zeros((2, 3, 5)), dg.zeros((2, 2)), dg.zeros((2, 8)), dg.zeros((5, 8))
    with pytest.raises(dg.ShapeError, match=r"x must have shape \(batch, time, features\)"):
        recurrent.lstm(dg.zeros((3, 5)), h0, h0, w_ih, w)
    with pytest.raises(dg.ShapeError, match=r"weight_hh must have shape \(units, 4·units\)"):
        recurrent.lstm(x, h0, h0, w_ih, dg.zeros((2, 6)))
    with pytest.raises(dg.ShapeError, match=r"weight_ih must have shape \(features, 4·units\) = \(5, 8\)"):
        recurrent.lstm(x, h0, h0, dg.zeros((8, 5)), w)
    with pytest.raises(dg.ShapeError, match=r"bias must have shape \(4·units,\) = \(8,\)"):
        recurrent.lstm(x, h0, h0, w_ih, w, dg.zeros(6))
    with pytest.raises(dg.ShapeError, match=r"c0 must have shape \(batch, units\) = \(2, 2\), got \(3, 2\)"):
        recurrent.lstm(x, h0, dg.zeros((3, 2)), w_ih, w)
    with pytest.raises(dg.ShapeError, match="at least one time step"):
        recurrent.lstm(dg.zeros((2, 0, 5)), h0, h0, w_ih, w)
    with pytest.raises(dg.ShapeError, match=r"x_projected must have shape \(batch, time"):
        recurrent.gru(dg.zeros((3, 6)), h0, dg.zeros((2, 6)), dg.zeros(6))
    with pytest.raises(dg.ShapeError, match=r"bias_hh must have shape \(3·units,\) = \(6,\)"):
        recurrent.gru(dg.zeros((2, 3, 6)), h0, dg.zeros((2, 6)), dg.zeros(8))
    with pytest.raises(dg.ShapeError, match=r"mask must have shape \(batch, time\) = \(2, 3\)"):
        recurrent.lstm(x, h0, h0, w_ih, w, mask=np.ones((3, 2), bool))
    with pytest.raises(TypeError, match="mask must be a bool array"):
        recurrent.lstm(x, h0, h0, w_ih, w, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match="activation must be one of"):
        recurrent.simple_rnn(dg.zeros((2, 3, 2)), h0, dg.zeros((2, 2)), activation="gelu")


def test_docstring_examples_run():
    result = doctest.testmod(recurrent, extraglobs={"dg": dg, "ops": recurrent},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
