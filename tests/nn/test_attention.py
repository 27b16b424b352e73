"""MultiHeadAttention: PyTorch parity (outputs, scores, every gradient), masks, finite differences,
dropout, configs, saving and errors."""

import doctest

import numpy as np
import pytest
import torch
from layer_checks import check_layer_gradients

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn.layers import attention
from deepgrad.nn.layers.attention import MultiHeadAttention

CLOSE = dict(rtol=2e-4, atol=2e-5)
PARTS = ("query", "key", "value")


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def built(layer, *shapes, seed=1):
    """`layer` built for inputs of `shapes` (query, value, key), with random biases (they start at 0)."""
    layer(*(dg.zeros(shape) for shape in shapes))
    for i, (name, p) in enumerate(layer.named_parameters()):
        if "bias" in name:
            p.data[...] = rng_array(*p.shape, seed=seed + i) * 0.5
    return layer


def to_torch(layer, separate=False):
    """torch.nn.MultiheadAttention with our weights, mapped as the layer's docstring says."""
    weights = {part: getattr(layer, f"{part}_weight").numpy() for part in (*PARTS, "output")}
    biases = {part: getattr(layer, f"{part}_bias").numpy() for part in (*PARTS, "output")}
    embed = weights["query"].shape[1]
    module = torch.nn.MultiheadAttention(embed, layer.num_heads, batch_first=True, kdim=weights["key"].shape[0],
                                         vdim=weights["value"].shape[0])
    with torch.no_grad():
        if separate:  # kdim or vdim differ from embed: three matrices
            for part, theirs in zip(PARTS, ("q_proj_weight", "k_proj_weight", "v_proj_weight")):
                getattr(module, theirs).copy_(torch.tensor(weights[part].T))
        else:
            module.in_proj_weight.copy_(torch.tensor(np.concatenate([weights[p].T for p in PARTS])))
        module.in_proj_bias.copy_(torch.tensor(np.concatenate([biases[p] for p in PARTS])))
        module.out_proj.weight.copy_(torch.tensor(weights["output"].T))
        module.out_proj.bias.copy_(torch.tensor(biases["output"]))
    return module


def assert_weight_grads(layer, module, separate=False):
    embed = layer.query_weight.shape[1]
    for i, part in enumerate(PARTS):
        if separate:
            theirs = getattr(module, f"{part[0]}_proj_weight").grad
        else:
            theirs = module.in_proj_weight.grad[i * embed:(i + 1) * embed]
        np.testing.assert_allclose(getattr(layer, f"{part}_weight").grad.numpy(), theirs.numpy().T, **CLOSE)
        np.testing.assert_allclose(getattr(layer, f"{part}_bias").grad.numpy(),
                                   module.in_proj_bias.grad[i * embed:(i + 1) * embed].numpy(), **CLOSE)
    np.testing.assert_allclose(layer.output_weight.grad.numpy(), module.out_proj.weight.grad.numpy().T, **CLOSE)
    np.testing.assert_allclose(layer.output_bias.grad.numpy(), module.out_proj.bias.grad.numpy(), **CLOSE)


PADDING = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0]], bool)  # real tokens first
RANDOM = np.random.default_rng(9).random((3, 6, 6)) < 0.6
RANDOM[..., 0] = True  # no fully masked row: torch gives NaN there
CAUSAL = np.tril(np.ones((6, 6), bool))


@pytest.mark.parametrize("masks,torch_masks", [
    ({}, {}),
    ({"use_causal_mask": True}, {"attn_mask": ~CAUSAL}),
    ({"padding_mask": PADDING}, {"key_padding_mask": ~PADDING}),
    ({"padding_mask": PADDING, "use_causal_mask": True}, {"key_padding_mask": ~PADDING, "attn_mask": ~CAUSAL}),
    ({"attention_mask": RANDOM}, {"attn_mask": np.repeat(~RANDOM, 2, axis=0)}),  # torch: (batch·heads, T, T)
    ({"attention_mask": RANDOM[:, None].repeat(2, 1)}, {"attn_mask": np.repeat(~RANDOM, 2, axis=0)}),
    ({"attention_mask": CAUSAL, "padding_mask": PADDING}, {"attn_mask": ~CAUSAL, "key_padding_mask": ~PADDING}),
], ids=["none", "causal", "padding", "causal+padding", "3d", "4d", "2d+padding"])
def test_self_attention_matches_torch(masks, torch_masks):
    dg.manual_seed(0)
    layer = built(MultiHeadAttention(num_heads=2, key_dim=4), (1, 6, 8))
    module = to_torch(layer)
    x = rng_array(3, 6, 8, seed=2)
    dx, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    output, scores = layer(dx, dx, **masks, return_attention_scores=True)
    t_output, t_scores = module(tx, tx, tx, average_attn_weights=False,
                                **{name: torch.tensor(m) for name, m in torch_masks.items()})
    assert output.shape == (3, 6, 8) and scores.shape == (3, 2, 6, 6)
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)
    np.testing.assert_allclose(scores.numpy(), t_scores.detach().numpy(), **CLOSE)
    up = rng_array(3, 6, 8, seed=3)
    (output * dg.tensor(up)).sum().backward()
    (t_output * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), **CLOSE)
    assert_weight_grads(layer, module)


def test_cross_attention_with_other_lengths_and_widths_matches_torch():
    dg.manual_seed(1)
    layer = built(MultiHeadAttention(num_heads=3, key_dim=2), (1, 4, 6), (1, 7, 5), (1, 7, 3))
    module = to_torch(layer, separate=True)
    q, v, k = rng_array(2, 4, 6, seed=4), rng_array(2, 7, 5, seed=5), rng_array(2, 7, 3, seed=6)
    ours = [dg.tensor(a, requires_grad=True) for a in (q, v, k)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, v, k)]
    padding = np.arange(7)[None] < np.array([[7], [3]])
    output = layer(*ours, padding_mask=padding)
    t_output = module(theirs[0], theirs[2], theirs[1], key_padding_mask=torch.tensor(~padding))[0]
    np.testing.assert_allclose(output.numpy(), t_output.detach().numpy(), **CLOSE)
    (output * output).sum().backward()
    (t_output * t_output).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **CLOSE)
    assert_weight_grads(layer, module, separate=True)


def test_value_dim_output_dim_and_no_bias_shapes():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_dim=7, use_bias=False)
    output, scores = layer(dg.ones((2, 4, 6)), dg.ones((2, 9, 6)), return_attention_scores=True)
    assert output.shape == (2, 4, 7) and scores.shape == (2, 2, 4, 9)
    assert {name: p.shape for name, p in layer.named_parameters()} == {
        "query_weight": (6, 6), "key_weight": (6, 6), "value_weight": (6, 10), "output_weight": (10, 7)}


def test_gradients_by_finite_differences_with_masks_and_a_fully_masked_row():
    dg.manual_seed(2)
    layer = built(MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3), (1, 3, 4))
    padding = np.array([[True, True, False], [False, True, True]])  # causal: query 0 of batch 1 sees nothing
    check_layer_gradients(layer, rng_array(2, 3, 4, seed=7),
                          call=lambda x: layer(x, padding_mask=padding, use_causal_mask=True), atol=1e-6)


def test_a_query_that_may_attend_nowhere_gives_the_output_bias_and_finite_gradients():
    dg.manual_seed(3)
    layer = built(MultiHeadAttention(num_heads=2, key_dim=2), (1, 3, 4))
    x = dg.tensor(rng_array(2, 3, 4, seed=8), requires_grad=True)
    mask = np.ones((2, 3, 3), bool)
    mask[1, 2] = False
    output, scores = layer(x, attention_mask=mask, return_attention_scores=True)
    np.testing.assert_array_equal(scores.numpy()[1, :, 2], 0.0)
    np.testing.assert_allclose(output.numpy()[1, 2], layer.output_bias.numpy(), rtol=1e-6)
    output.sum().backward()
    assert all(np.isfinite(t.grad.numpy()).all() for t in [x, *layer.parameters()])


def test_dropout_acts_on_the_attention_weights_in_training_only():
    dg.manual_seed(4)
    layer = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5)
    x = dg.tensor(rng_array(2, 5, 8, seed=9))
    _, scores = layer(x, return_attention_scores=True)
    dg.manual_seed(5)
    first = layer(x).numpy()
    dg.manual_seed(5)
    np.testing.assert_array_equal(layer(x).numpy(), first)  # seeded: repeatable
    assert not np.allclose(layer.eval()(x).numpy(), first)
    _, eval_scores = layer(x, return_attention_scores=True)
    np.testing.assert_allclose(eval_scores.numpy(), scores.numpy(), rtol=1e-6)  # the weights before dropout
    np.testing.assert_allclose(eval_scores.numpy().sum(-1), 1.0, rtol=1e-5)


# --- configs, saving ---------------------------------------------------------------------------------
def test_config_round_trip():
    layer = MultiHeadAttention(4, 8, value_dim=6, dropout=0.2, use_bias=False, output_dim=3, name="mha_a")
    config = layer.get_config()
    assert nn.deserialize(layer.serialize()).get_config() == config
    assert config["num_heads"] == 4 and config["key_dim"] == 8 and config["value_dim"] == 6


def test_in_a_sequential_it_attends_to_itself_saves_and_loads(tmp_path):
    dg.manual_seed(6)
    model = nn.Sequential([MultiHeadAttention(2, 3), nn.LayerNorm(), nn.Dense(2)])
    x = dg.tensor(rng_array(2, 5, 4, seed=10))
    expected = model(x).numpy()
    lines = []
    model.summary(print_fn=lines.append)
    row = next(line for line in lines[0].splitlines() if "(MultiHeadAttention)" in line)
    assert "(None, 5, 4)" in row and row.split()[-1] == "118"  # 3·(4·6 + 6) + 6·4 + 4
    dg.save(model, str(tmp_path / "model"))
    np.testing.assert_array_equal(dg.load(str(tmp_path / "model"))(x).numpy(), expected)


# --- errors ------------------------------------------------------------------------------------------
def test_bad_arguments_shapes_and_masks_raise_typed_errors_that_name_the_fix():
    with pytest.raises(ValueError, match="positive integer key_dim, got 0"):
        MultiHeadAttention(2, 0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.5"):
        MultiHeadAttention(2, 4, dropout=1.5)
    with pytest.raises(dg.ShapeError, match=r"'m' takes query of shape \(batch, time, features\), got \(5, 8\); "
                                            r".* x\[None\]"):
        MultiHeadAttention(2, 4, name="m")(dg.ones((5, 8)))
    layer = MultiHeadAttention(2, 4, name="m2")
    x = dg.ones((2, 5, 8))
    layer(x)
    with pytest.raises(dg.ShapeError, match=r"built for a query of 8 features but got a query of shape \(2, 5, 6\)"):
        layer(dg.ones((2, 5, 6)))
    with pytest.raises(dg.ShapeError, match=r"one length for key and value; got .* key \(2, 4, 8\), value \(2, 5, 8\)"):
        layer(x, x, dg.ones((2, 4, 8)))
    with pytest.raises(TypeError, match=r"attention_mask= as a bool array .* got dtype float32.*mask == 0"):
        layer(x, attention_mask=np.zeros((2, 5, 5), np.float32))
    with pytest.raises(dg.ShapeError, match=r"broadcastable to \(batch, T_q, T_k\) = \(2, 5, 5\) or \(batch, "
                                            r"num_heads, T_q, T_k\) = \(2, 2, 5, 5\).* got shape \(2, 5\); for a "
                                            r"\(batch, T_k\) mask of real tokens, pass it as padding_mask= instead"):
        layer(x, attention_mask=np.ones((2, 5), bool))
    with pytest.raises(dg.ShapeError, match=r"got shape \(2, 3, 5, 5\)"):
        layer(x, attention_mask=np.ones((2, 3, 5, 5), bool))
    with pytest.raises(dg.ShapeError, match=r"padding_mask= of shape \(batch, T_k\) = \(2, 5\), .* got shape \(2, 4\)"):
        layer(x, padding_mask=np.ones((2, 4), bool))


def test_docstring_examples_run():
    result = doctest.testmod(attention, extraglobs={"dg": dg, "nn": nn}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
