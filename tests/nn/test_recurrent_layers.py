"""SimpleRNN, LSTM, GRU and Bidirectional: PyTorch parity, masking, shapes, configs, training, errors."""

import doctest

import numpy as np
import pytest
import torch
from layer_checks import check_layer_gradients

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.nn.layers import recurrent
from deepgrad.nn.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN

CLOSE = dict(rtol=2e-4, atol=2e-5)
TORCH = {SimpleRNN: torch.nn.RNN, LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def built(layer, features, seed=1):
    """`layer` built for `features` inputs, with random biases (they start at 0 or 1)."""
    layer(dg.zeros((1, 2, features)))
    for i, (name, p) in enumerate(layer.named_parameters()):
        if "bias" in name:
            p.data[...] = rng_array(*p.shape, seed=seed + i) * 0.5
    return layer


def copy_to_torch(layer, module, suffix="_l0"):
    """Our weights into a torch.nn.RNN/LSTM/GRU (it keeps the transposes, and two biases)."""
    with torch.no_grad():
        getattr(module, "weight_ih" + suffix).copy_(torch.tensor(layer.weight_ih.numpy().T))
        getattr(module, "weight_hh" + suffix).copy_(torch.tensor(layer.weight_hh.numpy().T))
        if isinstance(layer, GRU):
            getattr(module, "bias_ih" + suffix).copy_(torch.tensor(layer.bias_ih.numpy()))
            getattr(module, "bias_hh" + suffix).copy_(torch.tensor(layer.bias_hh.numpy()))
        else:  # one bias, b_ih + b_hh
            getattr(module, "bias_ih" + suffix).copy_(torch.tensor(layer.bias.numpy()))
            getattr(module, "bias_hh" + suffix).zero_()
    return module


def assert_weight_grads(layer, module, suffix="_l0"):
    for ours, theirs in (("weight_ih", "weight_ih"), ("weight_hh", "weight_hh")):
        np.testing.assert_allclose(getattr(layer, ours).grad.numpy(),
                                   getattr(module, theirs + suffix).grad.numpy().T, **CLOSE)
    bias = layer.bias_hh if isinstance(layer, GRU) else layer.bias
    np.testing.assert_allclose(bias.grad.numpy(), getattr(module, "bias_hh" + suffix).grad.numpy(), **CLOSE)
    if isinstance(layer, GRU):
        expected = getattr(module, "bias_ih" + suffix).grad.numpy()
        np.testing.assert_allclose(layer.bias_ih.grad.numpy(), expected, **CLOSE)


# --- parity with PyTorch ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("n,t,f,u,return_sequences,initial", [
    (4, 6, 3, 5, True, False), (2, 3, 7, 4, False, True), (1, 1, 2, 3, False, False), (3, 9, 1, 8, True, True),
])
def test_layer_matches_torch(cls, n, t, f, u, return_sequences, initial):
    dg.manual_seed(0)
    layer = built(cls(u, return_sequences=return_sequences, return_state=True), f)
    module = copy_to_torch(layer, TORCH[cls](f, u, batch_first=True))
    x = rng_array(n, t, f, seed=2)
    names = ("h", "c") if cls is LSTM else ("h",)
    starts = [rng_array(n, u, seed=3 + i) if initial else np.zeros((n, u), np.float32) for i in range(len(names))]
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    d_states = [dg.tensor(s, requires_grad=True) for s in starts]
    t_states = [torch.tensor(s[None], requires_grad=True) for s in starts]

    output, *finals = layer(dx, initial_state=d_states if initial else None)
    t_output, t_finals = module(tx, tuple(t_states) if cls is LSTM else t_states[0])
    t_finals = [s[0] for s in (t_finals if cls is LSTM else (t_finals,))]
    if not return_sequences:
        t_output = t_output[:, -1]
    assert output.shape == ((n, t, u) if return_sequences else (n, u)) and len(finals) == len(names)
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)
    for ours, theirs in zip(finals, t_finals):
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **CLOSE)

    ups = [rng_array(*r.shape, seed=10 + i) for i, r in enumerate([output, *finals])]
    sum(((r * up).sum() for r, up in zip([output, *finals], ups)), dg.tensor(0.0)).backward()
    sum((r * torch.tensor(up)).sum() for r, up in zip([t_output, *t_finals], ups)).backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), **CLOSE)
    if initial:
        for ours, theirs in zip(d_states, t_states):
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad[0].numpy(), **CLOSE)
    assert_weight_grads(layer, module)


def test_stacked_layers_match_two_torch_layers():
    dg.manual_seed(1)
    first, second = built(LSTM(6, return_sequences=True), 3), built(GRU(4), 6, seed=2)
    model = nn.Sequential([first, second])
    t_first = copy_to_torch(first, torch.nn.LSTM(3, 6, batch_first=True))
    t_second = copy_to_torch(second, torch.nn.GRU(6, 4, batch_first=True))
    x = rng_array(5, 7, 3, seed=3)
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = model(dx)
    t_out = t_second(t_first(tx)[0])[0][:, -1]
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), **CLOSE)
    (out * out).sum().backward()
    (t_out * t_out).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), **CLOSE)
    assert_weight_grads(first, t_first)
    assert_weight_grads(second, t_second)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_matches_torch_bidirectional(cls, return_sequences):
    dg.manual_seed(2)
    layer = Bidirectional(cls(4, return_sequences=return_sequences, return_state=True))
    built(layer, 3)
    module = TORCH[cls](3, 4, batch_first=True, bidirectional=True)
    copy_to_torch(layer.forward_layer, module)
    copy_to_torch(layer.backward_layer, module, "_l0_reverse")
    x = rng_array(3, 5, 3, seed=4)
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    output, *states = layer(dx)
    t_output, t_states = module(tx)
    t_h = t_states[0] if cls is LSTM else t_states
    if not return_sequences:  # Keras: the two final states, concatenated
        t_output = torch.cat([t_h[0], t_h[1]], dim=-1)
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)
    np.testing.assert_allclose(states[0].numpy(), t_h[0].detach().numpy(), **CLOSE)  # forward h
    np.testing.assert_allclose(states[len(states) // 2].numpy(), t_h[1].detach().numpy(), **CLOSE)  # backward h
    up = rng_array(*output.shape, seed=5)
    (output * up).sum().backward()
    (t_output * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), **CLOSE)
    assert_weight_grads(layer.forward_layer, module)
    assert_weight_grads(layer.backward_layer, module, "_l0_reverse")


def test_masked_bidirectional_lstm_matches_torch_packed_sequences():
    dg.manual_seed(3)
    layer = built(Bidirectional(LSTM(4, return_sequences=True, return_state=True)), 3)
    module = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    copy_to_torch(layer.forward_layer, module)
    copy_to_torch(layer.backward_layer, module, "_l0_reverse")
    lengths = [6, 2, 4]
    x = rng_array(3, 6, 3, seed=6)
    mask = np.arange(6)[None, :] < np.array(lengths)[:, None]
    output, h_forward, _, h_backward, _ = layer(dg.tensor(x * mask[:, :, None]), mask=mask)
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first=True, enforce_sorted=False)
    t_packed, (t_h, _) = module(packed)
    t_output = torch.nn.utils.rnn.pad_packed_sequence(t_packed, batch_first=True, total_length=6)[0]
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)  # zeros at padded steps
    np.testing.assert_allclose(h_forward.numpy(), t_h[0].detach().numpy(), **CLOSE)
    np.testing.assert_allclose(h_backward.numpy(), t_h[1].detach().numpy(), **CLOSE)


# --- masking, merge modes, shapes ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_a_padded_batch_gives_the_final_state_of_each_unpadded_sequence(cls):
    dg.manual_seed(4)
    layer = built(cls(5, return_state=True), 2)
    lengths, x = [3, 7, 1], rng_array(3, 7, 2, seed=7)
    mask = np.arange(7)[None, :] < np.array(lengths)[:, None]
    output, *states = layer(dg.tensor(np.where(mask[:, :, None], x, 99.0)), mask=dg.tensor(mask))
    for row, length in enumerate(lengths):
        alone, *alone_states = layer(dg.tensor(x[row : row + 1, :length]))
        np.testing.assert_allclose(output.numpy()[row], alone.numpy()[0], rtol=1e-5, atol=1e-6)
        for ours, theirs in zip(states, alone_states):
            np.testing.assert_allclose(ours.numpy()[row], theirs.numpy()[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("merge_mode,combine", [
    ("sum", lambda a, b: a + b), ("mul", lambda a, b: a * b), ("ave", lambda a, b: (a + b) / 2),
])
def test_bidirectional_merge_modes(merge_mode, combine):
    x = dg.tensor(rng_array(2, 4, 3, seed=8))
    dg.manual_seed(5)
    concat = Bidirectional(GRU(3, return_sequences=True))
    both = concat(x).numpy()
    dg.manual_seed(5)
    merged = Bidirectional(GRU(3, return_sequences=True), merge_mode=merge_mode)
    np.testing.assert_allclose(merged(x).numpy(), combine(both[..., :3], both[..., 3:]), rtol=1e-6, atol=1e-7)
    dg.manual_seed(5)
    forward, backward = Bidirectional(GRU(3, return_sequences=True), merge_mode=None)(x)
    np.testing.assert_allclose(np.concatenate([forward.numpy(), backward.numpy()], -1), both, rtol=1e-6, atol=1e-7)
    dg.manual_seed(5)
    forward, backward, h_forward, h_backward = Bidirectional(GRU(3, return_state=True), merge_mode=None)(x)
    np.testing.assert_array_equal(forward.numpy(), h_forward.numpy())  # the last output is the final state
    np.testing.assert_array_equal(backward.numpy(), h_backward.numpy())
    last = np.concatenate([both[:, -1, :3], both[:, 0, 3:]], -1)  # the backward direction ends at step 0
    np.testing.assert_allclose(np.concatenate([forward.numpy(), backward.numpy()], -1), last, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("layer,shapes", [
    (SimpleRNN(4), [(2, 4)]), (SimpleRNN(4, return_sequences=True, return_state=True), [(2, 5, 4), (2, 4)]),
    (LSTM(4, return_state=True), [(2, 4)] * 3), (GRU(4, return_sequences=True), [(2, 5, 4)]),
    (Bidirectional(LSTM(4, return_state=True)), [(2, 8)] + [(2, 4)] * 4),
    (Bidirectional(SimpleRNN(4, return_sequences=True), merge_mode="sum"), [(2, 5, 4)]),
], ids=lambda v: getattr(v, "name", ""))
def test_output_shapes(layer, shapes):
    out = layer(dg.ones((2, 5, 3)))
    results = out if isinstance(out, tuple) else (out,)
    assert [tuple(r.shape) for r in results] == shapes


def test_initialisers_follow_keras_with_the_forget_gate_bias_at_one():
    dg.manual_seed(6)
    lstm = LSTM(8)
    lstm(dg.ones((2, 3, 5)))
    w = lstm.weight_hh.numpy()
    np.testing.assert_allclose(w @ w.T, np.eye(8), atol=1e-5)  # orthogonal rows of the (8, 32) matrix
    limit = np.sqrt(6 / (5 + 32))
    assert np.abs(lstm.weight_ih.numpy()).max() <= limit and lstm.weight_ih.numpy().std() > limit / 3
    np.testing.assert_array_equal(lstm.bias.numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], 8))
    no_forget = LSTM(2, unit_forget_bias=False)
    no_forget(dg.ones((1, 1, 1)))
    assert not no_forget.bias.numpy().any()
    gru = GRU(3, use_bias=False)
    gru(dg.ones((1, 2, 2)))
    assert [name for name, _ in gru.named_parameters()] == ["weight_ih", "weight_hh"] and gru.bias_hh is None


# --- config, saving, training, gradients -----------------------------------------------------------------
@pytest.mark.parametrize("layer", [
    SimpleRNN(3, activation="relu", return_sequences=True, name="rnn_a"),
    LSTM(4, unit_forget_bias=False, use_bias=True), GRU(5, return_state=True, kernel_initializer="he_normal"),
])
def test_config_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config and type(again) is type(layer)
    assert nn.deserialize(layer.serialize()).get_config() == config


def test_bidirectional_config_round_trip_and_state_names():
    layer = Bidirectional(LSTM(4, return_sequences=True, name="encoder"), merge_mode="ave")
    rebuilt = nn.deserialize(layer.serialize())
    assert type(rebuilt) is Bidirectional and rebuilt.get_config() == layer.get_config()
    assert rebuilt.get_config()["layer"] == LSTM(4, return_sequences=True, name="encoder").serialize()
    layer(dg.ones((1, 2, 3)))
    assert sorted(layer.state_dict()) == sorted(f"{side}_layer.{w}" for side in ("forward", "backward")
                                                for w in ("weight_ih", "weight_hh", "bias"))
    assert layer.forward_layer.name == "forward_encoder" and layer.backward_layer.name == "backward_encoder"


def test_a_model_with_recurrent_layers_saves_and_loads(tmp_path):
    dg.manual_seed(7)
    model = nn.Sequential([Bidirectional(GRU(4, return_sequences=True)), SimpleRNN(3), nn.Dense(1)])
    x = dg.tensor(rng_array(2, 5, 3, seed=9))
    expected = model(x).numpy()
    dg.save(model, str(tmp_path / "model"))
    np.testing.assert_array_equal(dg.load(str(tmp_path / "model"))(x).numpy(), expected)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_a_training_step_lowers_the_loss(cls):
    dg.manual_seed(8)
    model = nn.Sequential([cls(6), nn.Dense(1)])
    x, y = dg.tensor(rng_array(16, 5, 2, seed=10)), dg.tensor(rng_array(16, 1, seed=11))
    model(x)  # build
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = nn.losses.mean_squared_error(y, model(x))
        loss.backward()
        assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0 for p in model.parameters())
        optimizer.step()
        losses.append(loss.item())
    assert losses[2] < losses[1] < losses[0]


def test_fit_trains_a_recurrent_model():
    dg.manual_seed(9)
    x = rng_array(64, 6, 1, seed=12)
    y = x.sum(axis=1)  # the sum of a sequence
    model = nn.Sequential([LSTM(8), nn.Dense(1)])
    model.compile(optimizer=optim.Adam(lr=0.02), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_layer_gradients_by_finite_differences(cls):
    dg.manual_seed(10)
    layer = built(cls(2, return_sequences=True), 3)
    check_layer_gradients(layer, rng_array(2, 3, 3, seed=13), atol=1e-6)


# --- errors --------------------------------------------------------------------------------------------------
def test_wrong_input_rank_names_the_layer_the_shape_and_the_fix():
    with pytest.raises(dg.ShapeError, match=r"LSTM 'seq' expects inputs of shape \(batch, time, features\), got "
                                            r"\(32, 8\); add a time axis: x.reshape\(32, 1, 8\)"):
        LSTM(4, name="seq")(dg.ones((32, 8)))
    layer = GRU(4, name="g")
    layer(dg.ones((2, 3, 5)))
    with pytest.raises(dg.ShapeError, match=r"GRU 'g' expects .* got \(2, 3, 5, 1\)"):
        layer(dg.ones((2, 3, 5, 1)))
    with pytest.raises(dg.ShapeError, match=r"GRU 'g' expected 5 input features but got an input of shape \(2, 3, 4\)"):
        layer(dg.ones((2, 3, 4)))
    with pytest.raises(dg.ShapeError, match="at least one time step"):
        layer(dg.ones((2, 0, 5)))


def test_bad_initial_states_masks_and_arguments_raise_typed_errors():
    layer = LSTM(4, name="l")
    x = dg.ones((2, 3, 5))
    with pytest.raises(ValueError, match=r"LSTM 'l' takes initial_state=\[h, c\], 2 tensor\(s\) of shape .* got 1"):
        layer(x, initial_state=[dg.zeros((2, 4))])
    with pytest.raises(dg.ShapeError, match=r"\(batch, units\) = \(2, 4\); got shape \(2, 3\)"):
        layer(x, initial_state=[dg.zeros((2, 3)), dg.zeros((2, 4))])
    with pytest.raises(TypeError, match=r"mask= as a bool array of shape \(batch, time\) = \(2, 3\).*int64"):
        layer(x, mask=np.ones((2, 3), dtype=int))
    with pytest.raises(dg.ShapeError, match=r"mask= as a bool array .* got shape \(3, 2\)"):
        layer(x, mask=np.ones((3, 2), dtype=bool))
    with pytest.raises(ValueError, match="positive integer number of units"):
        GRU(0)
    with pytest.raises(ValueError, match="SimpleRNN's fused loop supports the activations"):
        SimpleRNN(3, activation="softmax")
    with pytest.raises(TypeError, match="Bidirectional wraps a SimpleRNN, LSTM or GRU layer, got Dense"):
        Bidirectional(nn.Dense(3))
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(LSTM(3), merge_mode="max")


def test_docstring_examples_run():
    result = doctest.testmod(recurrent, extraglobs={"dg": dg, "nn": nn},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
