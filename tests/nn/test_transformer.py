"""TransformerEncoderLayer and TransformerEncoder: PyTorch parity (outputs and every gradient, post-
and pre-norm, relu and gelu, with and without masks), dropout, configs, saving, summary, training."""

import doctest

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.nn.layers import transformer
from deepgrad.nn.layers.transformer import TransformerEncoder, TransformerEncoderLayer

CLOSE = dict(rtol=3e-4, atol=3e-5)
STEPS = 5
PADDING = np.arange(STEPS)[None] < np.array([[5], [2], [4]])  # real tokens first: no query is left without keys
CAUSAL = np.tril(np.ones((STEPS, STEPS), bool))
MASKS = {
    "none": ({}, {}),
    "causal": ({"attention_mask": CAUSAL}, {"src_mask": ~CAUSAL}),
    "padding+causal": ({"padding_mask": PADDING, "attention_mask": CAUSAL},
                       {"src_key_padding_mask": ~PADDING, "src_mask": ~CAUSAL}),
}


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def pairs(layer, module):
    """(our parameter, torch's parameter, transposed?) for every weight of an encoder block."""
    attention = layer.self_attention
    embed = attention.query_weight.shape[1]
    found = []
    for i, part in enumerate(("query", "key", "value")):
        rows = slice(i * embed, (i + 1) * embed)
        found.append((getattr(attention, f"{part}_weight"), module.self_attn.in_proj_weight, rows, True))
        found.append((getattr(attention, f"{part}_bias"), module.self_attn.in_proj_bias, rows, False))
    found += [(attention.output_weight, module.self_attn.out_proj.weight, slice(None), True),
              (attention.output_bias, module.self_attn.out_proj.bias, slice(None), False)]
    for ours, theirs in ((layer.feedforward_intermediate, module.linear1), (layer.feedforward_output, module.linear2)):
        found += [(ours.weight, theirs.weight, slice(None), True), (ours.bias, theirs.bias, slice(None), False)]
    for ours, theirs in ((layer.self_attention_norm, module.norm1), (layer.feedforward_norm, module.norm2)):
        found += [(ours.weight, theirs.weight, slice(None), False), (ours.bias, theirs.bias, slice(None), False)]
    return found


def randomized(layer, seed):
    """Random values in every weight (biases and norms start at 0 and 1, which would hide mistakes)."""
    for i, p in enumerate(layer.parameters()):
        p.data[...] = rng_array(*p.shape, seed=seed + i) * (0.4 if p.ndim == 2 else 0.3) + (p.ndim == 1) * 0.1
    return layer


def copy_to_torch(layer, module):
    with torch.no_grad():
        for ours, theirs, rows, transposed in pairs(layer, module):
            value = ours.numpy().T if transposed else ours.numpy()
            theirs[rows].copy_(torch.tensor(value))
    return module


def assert_weight_grads(layer, module):
    for ours, theirs, rows, transposed in pairs(layer, module):
        expected = theirs.grad[rows].numpy()
        np.testing.assert_allclose(ours.grad.numpy(), expected.T if transposed else expected, **CLOSE)


def torch_layer(d_model, num_heads, intermediate_dim, activation, norm_first):
    return torch.nn.TransformerEncoderLayer(d_model, num_heads, intermediate_dim, dropout=0.0, activation=activation,
                                            batch_first=True, norm_first=norm_first)


@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("normalize_first", [False, True])
def test_encoder_layer_matches_torch(normalize_first, activation, masks):
    dg.manual_seed(0)
    layer = TransformerEncoderLayer(2, 12, dropout=0.0, activation=activation, normalize_first=normalize_first)
    layer(dg.zeros((1, STEPS, 8)))
    randomized(layer, seed=1)
    module = copy_to_torch(layer, torch_layer(8, 2, 12, activation, normalize_first))
    ours_masks, torch_masks = MASKS[masks]
    x = rng_array(3, STEPS, 8, seed=2)
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    output = layer(dx, **ours_masks)
    t_output = module(tx, **{name: torch.tensor(m) for name, m in torch_masks.items()})
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)
    up = rng_array(3, STEPS, 8, seed=3)
    (output * dg.tensor(up)).sum().backward()
    (t_output * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), **CLOSE)
    assert_weight_grads(layer, module)


@pytest.mark.parametrize("normalize_first", [False, True])
def test_encoder_stack_matches_torch(normalize_first):
    dg.manual_seed(1)
    encoder = TransformerEncoder(2, num_heads=4, intermediate_dim=16, dropout=0.0, activation="gelu",
                                 normalize_first=normalize_first)
    encoder(dg.zeros((1, STEPS, 8)))
    module = torch.nn.TransformerEncoder(torch_layer(8, 4, 16, "gelu", normalize_first), 2, enable_nested_tensor=False)
    for i, (layer, t_layer) in enumerate(zip(encoder.layers, module.layers)):
        copy_to_torch(randomized(layer, seed=10 * i), t_layer)
    x = rng_array(3, STEPS, 8, seed=4)
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    output = encoder(dx, padding_mask=PADDING)
    t_output = module(tx, src_key_padding_mask=torch.tensor(~PADDING))
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)
    (output * output).sum().backward()
    (t_output * t_output).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), **CLOSE)
    for layer, t_layer in zip(encoder.layers, module.layers):
        assert_weight_grads(layer, t_layer)


def test_dropout_in_training_only():
    dg.manual_seed(2)
    encoder = TransformerEncoder(2, num_heads=2, intermediate_dim=8, dropout=0.3)
    x = dg.tensor(rng_array(2, 4, 6, seed=5))
    train_out = encoder(x).numpy()
    encoder.eval()
    assert all(not m.training for m in encoder.modules())
    np.testing.assert_array_equal(encoder(x).numpy(), encoder(x).numpy())
    assert not np.allclose(encoder(x).numpy(), train_out)


# --- configs, names, saving, summary --------------------------------------------------------------------
def test_configs_round_trip_and_state_dict_names():
    layer = TransformerEncoderLayer(4, 32, dropout=0.2, activation="gelu", epsilon=1e-6, normalize_first=True)
    assert nn.deserialize(layer.serialize()).get_config() == layer.get_config()
    encoder = TransformerEncoder(3, 2, 16, activation="relu", name="enc")
    config = encoder.get_config()
    assert config["num_layers"] == 3 and config["name"] == "enc" and config["intermediate_dim"] == 16
    assert nn.deserialize(encoder.serialize()).get_config() == config
    encoder(dg.ones((1, 2, 4)))
    names = list(encoder.state_dict())
    assert len(names) == 3 * 16 and names[:2] == ["layers.0.self_attention.query_weight",
                                                  "layers.0.self_attention.query_bias"]
    assert "layers.2.feedforward_norm.bias" in names and "layers.1.feedforward_intermediate.weight" in names


def test_a_transformer_saves_loads_and_summarizes(tmp_path):
    dg.manual_seed(3)
    model = nn.Sequential([nn.TokenAndPositionEmbedding(20, 6, 8), TransformerEncoder(2, 2, 16), nn.Flatten(),
                           nn.Dense(3)])
    ids = dg.tensor(np.random.default_rng(6).integers(0, 20, (4, 6)))
    model(ids)
    model.eval()
    expected = model(ids).numpy()
    dg.save(model, str(tmp_path / "model"))
    np.testing.assert_array_equal(dg.load(str(tmp_path / "model")).eval()(ids).numpy(), expected)
    lines = []
    model.summary(print_fn=lines.append)
    row = next(line for line in lines[0].splitlines() if "(TransformerEncoder)" in line)
    per_layer = 4 * (8 * 8 + 8) + (8 * 16 + 16) + (16 * 8 + 8) + 2 * 2 * 8
    assert "(None, 6, 8)" in row and row.split()[-1] == f"{2 * per_layer:,}"

    alone = TransformerEncoder(1, 2, 8, name="alone")  # saved by itself: load builds it from input_shape
    x = dg.tensor(rng_array(2, 3, 4, seed=7))
    alone.eval()
    expected = alone(x).numpy()
    dg.save(alone, str(tmp_path / "alone"))
    np.testing.assert_array_equal(dg.load(str(tmp_path / "alone")).eval()(x).numpy(), expected)


# --- training --------------------------------------------------------------------------------------------
class MeanOverTime(nn.Module):
    """Averages over the time axis: blind to order, like a bag of words."""

    def forward(self, x):
        return x.mean(axis=1)


def order_task(n, steps=6, seed=0):
    """Sequences holding tokens 1 and 2 once each, among filler tokens 3..7; the label: does 1 come first?"""
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, 8, size=(n, steps))
    for row in ids:
        first, second = rng.choice(steps, 2, replace=False)
        row[first], row[second] = 1, 2
    return ids, ((ids == 1).argmax(1) < (ids == 2).argmax(1)).astype(np.float32)[:, None]


@pytest.mark.parametrize("with_attention", [True, False])
def test_a_small_transformer_learns_which_token_comes_first_and_a_bag_of_words_cannot(with_attention):
    dg.manual_seed(0)
    middle = [TransformerEncoderLayer(2, 32, dropout=0.0)] if with_attention else []
    model = nn.Sequential([nn.TokenAndPositionEmbedding(8, 6, 16), *middle, MeanOverTime(), nn.Dense(1)])
    (x, y), (x_val, y_val) = order_task(256), order_task(256, seed=1)
    x, y = dg.tensor(x), dg.tensor(y)
    model(x)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(60):
        optimizer.zero_grad()
        nn.losses.binary_crossentropy(y, model(x), from_logits=True).backward()
        optimizer.step()
    accuracy = ((model(dg.tensor(x_val)).numpy() > 0) == (y_val > 0.5)).mean()
    if with_attention:
        assert accuracy > 0.95
    else:  # mean pooling of token + position vectors sees only the bag of tokens, the same for both labels
        assert accuracy < 0.65


# --- errors ----------------------------------------------------------------------------------------------
def test_bad_arguments_and_shapes_raise_typed_errors_that_name_the_fix():
    fix = r"num_heads among \[1, 2, 5, 10\], or project the inputs to a multiple of 3"
    with pytest.raises(dg.ShapeError, match=r"'block' got d_model=10 features .* num_heads=3 does not divide.* " + fix):
        TransformerEncoderLayer(3, 16, name="block")(dg.ones((2, 4, 10)))
    with pytest.raises(dg.ShapeError, match=r"takes inputs of shape \(batch, time, d_model\), got \(4, 10\)"):
        TransformerEncoderLayer(2, 16)(dg.ones((4, 10)))
    layer = TransformerEncoderLayer(2, 16, name="b2")
    layer(dg.ones((2, 4, 10)))
    with pytest.raises(dg.ShapeError, match=r"'b2' was built for inputs \(batch, time, 10\) but got shape \(2, 4, 8\)"):
        layer(dg.ones((2, 4, 8)))
    with pytest.raises(dg.ShapeError, match=r"padding_mask= of shape \(batch, T_k\) = \(2, 4\)"):
        layer(dg.ones((2, 4, 10)), padding_mask=np.ones((4, 2), bool))
    with pytest.raises(ValueError, match="positive integer intermediate_dim, got 0"):
        TransformerEncoderLayer(2, 0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got -0.1"):
        TransformerEncoderLayer(2, 8, dropout=-0.1)
    with pytest.raises(ValueError, match="positive integer num_layers, got 0"):
        TransformerEncoder(0, 2, 8)
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        TransformerEncoder(1, 2, 8, activation="relu6")


def test_docstring_examples_run():
    result = doctest.testmod(transformer, extraglobs={"dg": dg, "nn": nn}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
