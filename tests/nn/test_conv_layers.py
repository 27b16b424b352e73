"""Convolutional and pooling layers: shapes, PyTorch parity, config round trips, training, errors."""

import doctest
import json
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.nn.layers import convolutional, pooling
from deepgrad.nn.layers.convolutional import Conv1D, Conv2D, Conv2DTranspose, UpSampling2D
from deepgrad.nn.layers.pooling import (
    AvgPool1D,
    AvgPool2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    MaxPool1D,
    MaxPool2D,
)


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# (layer factory, input shape, output shape)
SHAPES = [
    (lambda: Conv1D(8, 3), (2, 4, 10), (2, 8, 8)),
    (lambda: Conv1D(8, 4, strides=2, padding="same"), (2, 4, 11), (2, 8, 6)),
    (lambda: Conv1D(6, 3, padding=2, dilation_rate=2, groups=3), (1, 3, 9), (1, 6, 9)),
    (lambda: Conv2D(16, 3), (2, 3, 28, 28), (2, 16, 26, 26)),
    (lambda: Conv2D(16, (2, 4), strides=(1, 2), padding="same"), (2, 3, 7, 9), (2, 16, 7, 5)),
    (lambda: Conv2D(4, 3, padding=(1, 0), dilation_rate=(2, 1)), (1, 2, 8, 8), (1, 4, 6, 6)),
    (lambda: Conv2D(6, 3, padding="same", groups=6), (2, 6, 5, 5), (2, 6, 5, 5)),
    (lambda: Conv2D(5, 1), (3, 7, 4, 4), (3, 5, 4, 4)),
    (lambda: Conv2DTranspose(8, 3, strides=2, padding="same"), (2, 4, 7, 7), (2, 8, 14, 14)),
    (lambda: Conv2DTranspose(8, 3, strides=2), (2, 4, 7, 7), (2, 8, 15, 15)),
    (lambda: Conv2DTranspose(8, 2, strides=3), (2, 4, 5, 6), (2, 8, 15, 18)),
    (lambda: Conv2DTranspose(8, 4, strides=2, padding="same"), (2, 4, 5, 6), (2, 8, 10, 12)),
    (lambda: Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=1), (2, 4, 7, 7), (2, 8, 14, 14)),
    (lambda: Conv2DTranspose(8, 3, strides=2, padding=1, output_padding=(0, 1)), (2, 4, 7, 7), (2, 8, 13, 14)),
    (lambda: UpSampling2D(), (2, 3, 4, 5), (2, 3, 8, 10)),
    (lambda: UpSampling2D((3, 2), interpolation="bilinear"), (2, 3, 4, 5), (2, 3, 12, 10)),
    (lambda: MaxPool1D(2), (2, 3, 9), (2, 3, 4)),
    (lambda: MaxPool2D(2), (2, 3, 9, 8), (2, 3, 4, 4)),
    (lambda: MaxPool2D(3, strides=2, padding="same"), (2, 3, 9, 8), (2, 3, 5, 4)),
    (lambda: AvgPool1D(3, strides=1), (2, 3, 9), (2, 3, 7)),
    (lambda: AvgPool2D((2, 3), padding="same"), (2, 3, 5, 5), (2, 3, 3, 2)),
    (lambda: GlobalAvgPool1D(), (2, 3, 9), (2, 3)),
    (lambda: GlobalAvgPool2D(keepdims=True), (2, 3, 4, 4), (2, 3, 1, 1)),
    (lambda: GlobalMaxPool1D(), (2, 3, 9), (2, 3)),
    (lambda: GlobalMaxPool2D(), (2, 3, 4, 4), (2, 3)),
]
LAYERS = [make for make, _, _ in SHAPES]


@pytest.mark.parametrize("make,in_shape,out_shape", SHAPES)
def test_output_shape(make, in_shape, out_shape):
    assert make()(dg.tensor(rng_array(*in_shape))).shape == out_shape


@pytest.mark.parametrize("make,in_shape,out_shape", SHAPES)
def test_config_round_trip_through_json(make, in_shape, out_shape):
    layer = make()
    layer(dg.tensor(rng_array(*in_shape)))
    config = layer.get_config()
    again = type(layer).from_config(json.loads(json.dumps(config)))  # tuples come back as lists
    assert again.get_config() == config
    rebuilt = nn.deserialize(layer.serialize())
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == config
    if layer.parameters():  # the same weights give the same outputs
        x = dg.tensor(rng_array(*in_shape, seed=1))
        rebuilt(x)
        rebuilt.load_state_dict(layer.state_dict())
        np.testing.assert_allclose(rebuilt(x).numpy(), layer(x).numpy(), rtol=1e-6)


@pytest.mark.parametrize("make,in_shape,out_shape", [c for c in SHAPES if isinstance(c[0](), convolutional._Conv)])
def test_a_training_step_lowers_the_loss(make, in_shape, out_shape):
    layer = make()
    x = dg.tensor(rng_array(*in_shape))
    loss = (layer(x) ** 2).mean()
    loss.backward()
    before = [(p.numpy().copy(), p.grad.numpy().copy()) for p in layer.parameters()]
    assert len(before) == 2 and all(np.abs(grad).sum() > 0 for _, grad in before)
    with dg.no_grad():
        for p in layer.parameters():
            p -= 0.01 * p.grad
    for p, (value, grad) in zip(layer.parameters(), before):
        np.testing.assert_allclose(p.numpy(), value - 0.01 * grad, rtol=1e-6, atol=1e-7)
    assert (layer(x) ** 2).mean().item() < loss.item()


def test_weight_layouts_are_pytorchs():
    conv = Conv2D(8, (3, 2), groups=2)
    conv(dg.ones((1, 4, 6, 6)))
    assert conv.weight.shape == (8, 2, 3, 2) and conv.bias.shape == (8,)
    transposed = Conv2DTranspose(6, (3, 2), groups=2)
    transposed(dg.ones((1, 4, 6, 6)))
    assert transposed.weight.shape == (4, 3, 3, 2) and transposed.bias.shape == (6,)
    assert Conv1D(5, 3, use_bias=False)(dg.ones((1, 2, 6))).shape == (1, 5, 4)


@pytest.mark.parametrize("strides,padding,dilation_rate,groups,activation", [
    (1, "same", 1, 1, "relu"), (2, "same", 1, 2, None), (2, "valid", (1, 2), 1, "tanh"), (1, 1, 1, 4, None),
])
def test_conv2d_matches_torch(strides, padding, dilation_rate, groups, activation):
    layer = Conv2D(8, (4, 3), strides, padding, dilation_rate, groups, activation, bias_initializer="glorot_uniform")
    x = rng_array(2, 4, 9, 10)
    out = layer(dg.tensor(x))
    pads = [0, 0, 0, 0]
    if padding == "same":
        pads = [dg.engine.ops.convolution.same_padding(n, k, s, d) for n, k, s, d in
                zip((9, 10), (4, 3), layer.strides, layer.dilation_rate)]
        pads = [*pads[1], *pads[0]]
    elif isinstance(padding, int):
        pads = [padding] * 4
    expected = F.conv2d(F.pad(torch.tensor(x), pads), torch.tensor(layer.weight.numpy()),
                        torch.tensor(layer.bias.numpy()), strides, 0, dilation_rate, groups)
    expected = {"relu": torch.relu, "tanh": torch.tanh, None: lambda t: t}[activation](expected)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


# (kernel, strides, padding, output_padding, dilation_rate, (cut before, cut after), zeros added at the end):
# the full output (H - 1)·s + k is cut to Keras's size the way TensorFlow cuts it, the odd element at the end
TRANSPOSE_CASES = [
    (3, 2, "same", None, 1, (0, 1), 0),
    (4, 2, "same", None, 1, (1, 1), 0),
    (5, 1, "same", None, 1, (2, 2), 0),
    (2, 3, "same", None, 1, (0, 0), 1),  # kernel smaller than the stride: zeros added instead
    (3, 2, "valid", None, 1, (0, 0), 0),
    (2, 3, "valid", None, 1, (0, 0), 1),
    (3, 2, "same", 1, 1, (0, 1), 0),
    (4, 2, "same", 1, 1, (1, 2), 0),
    (1, 2, "same", 1, 1, (0, 0), 1),
    (3, 2, "valid", 1, 2, (0, 0), 1),
]


@pytest.mark.parametrize("kernel,strides,padding,output_padding,dilation_rate,cut,added", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_torch_with_kerass_sizes(kernel, strides, padding, output_padding, dilation_rate,
                                                          cut, added):
    layer = Conv2DTranspose(6, kernel, strides, padding, output_padding, dilation_rate, bias_initializer="ones")
    x = rng_array(2, 4, 5, 5)
    xt = dg.tensor(x, requires_grad=True)
    out = layer(xt)
    reach = dilation_rate * (kernel - 1) + 1
    if output_padding is None:  # Keras's deconv_output_length
        size = {"same": 5 * strides, "valid": 5 * strides + max(reach - strides, 0)}[padding]
    else:
        size = 4 * strides + reach - 2 * (reach // 2 if padding == "same" else 0) + output_padding
    assert out.shape == (2, 6, size, size)
    tx = torch.tensor(x, requires_grad=True)
    full = F.conv_transpose2d(tx, torch.tensor(layer.weight.numpy()), torch.tensor(layer.bias.numpy()), strides,
                              output_padding=added, dilation=dilation_rate)
    before, after = cut
    expected = full[:, :, before:full.shape[2] - after, before:full.shape[3] - after]
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    upstream = rng_array(*out.shape, seed=2)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kernel,strides,output_padding", [(3, 2, None), (4, 2, None), (2, 3, None), (3, 2, 1),
                                                           (4, 3, 2), (5, 2, 0)])
def test_same_conv2d_transpose_is_the_input_gradient_of_a_same_conv2d(kernel, strides, output_padding):
    layer = Conv2DTranspose(3, kernel, strides, "same", output_padding, use_bias=False)
    x = dg.tensor(rng_array(1, 2, 4, 5))
    out = layer(x)
    conv_layer = Conv2D(2, kernel, strides, "same", use_bias=False)
    z = dg.zeros((1, 3, *out.shape[2:]), requires_grad=True)
    conv_layer(z)
    conv_layer.weight = layer.weight  # the same (in = 3, out = 2) weight, read the other way round
    assert conv_layer(z).shape == x.shape
    (expected,) = dg.grad(conv_layer(z), [z], grad_output=x)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size,interpolation,mode", [(2, "nearest", "nearest"), ((3, 2), "nearest", "nearest"),
                                                     (2, "bilinear", "bilinear"), ((3, 2), "bilinear", "bilinear")])
def test_upsampling_matches_torch_interpolate(size, interpolation, mode):
    x = rng_array(2, 3, 4, 5).astype(np.float64)
    xt, tx = dg.tensor(x, dtype=dg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = UpSampling2D(size, interpolation)(xt)
    scale = size if isinstance(size, tuple) else (size, size)
    expected = F.interpolate(tx, scale_factor=scale, mode=mode, **({"align_corners": False} if mode != "nearest"
                                                                    else {}))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = np.random.default_rng(3).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer,torch_fn", [
    (MaxPool2D(3, strides=2), lambda t: F.max_pool2d(t, 3, 2)),
    (AvgPool2D(2), lambda t: F.avg_pool2d(t, 2)),
    (MaxPool1D(2, strides=1), lambda t: F.max_pool1d(t, 2, 1)),
    (AvgPool1D(3, strides=2), lambda t: F.avg_pool1d(t, 3, 2)),
])
def test_pool_layers_match_torch(layer, torch_fn):
    x = rng_array(2, 3, 7) if "1D" in type(layer).__name__ else rng_array(2, 3, 7, 8)
    np.testing.assert_allclose(layer(dg.tensor(x)).numpy(), torch_fn(torch.tensor(x)).numpy(), rtol=1e-6)


def test_a_small_cnn_learns_in_sequential():
    dg.manual_seed(0)
    model = nn.Sequential([
        Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2),
        Conv2D(8, 3, activation="relu"), GlobalAvgPool2D(), nn.Dense(3),
    ])
    x = dg.tensor(rng_array(12, 1, 8, 8))
    y = dg.tensor(np.arange(12) % 3)
    model(x)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(15):
        loss = nn.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
    again = nn.deserialize(model.serialize())
    again(x)
    again.load_state_dict(model.state_dict())
    np.testing.assert_allclose(again(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make,x_shape,message", [
    (lambda: Conv2D(4, 3, groups=2, name="c"), (1, 3, 8, 8), r"Conv2D 'c' has groups=2, but its input has 3 channels"),
    (lambda: Conv2D(4, 3, name="c"), (32, 28, 28), r"Conv2D 'c' expects .*x.reshape\(32, 1, 28, 28\)"),
    (lambda: Conv2D(4, 3, name="c"), (28, 28), r"x.reshape\(1, 1, 28, 28\)"),
    (lambda: Conv1D(4, 3, name="c"), (32, 100), r"Conv1D 'c' expects .*x.reshape\(32, 1, 100\)"),
    (lambda: Conv2D(4, 5, name="c"), (1, 1, 3, 3), r"Conv2D 'c': kernel_size \(5, 5\) .* padding='same'"),
    (lambda: Conv1D(4, 3, dilation_rate=3, name="c"), (1, 1, 6), r"spans \(7,\), more than the padded input's \(6,\)"),
    (lambda: MaxPool2D(4, name="p"), (1, 1, 3, 3), r"MaxPool2D 'p': pool_size \(4, 4\) is bigger"),
    (lambda: AvgPool1D(2, name="p"), (4, 10), r"AvgPool1D 'p' expects .*x.reshape\(4, 1, 10\)"),
    (lambda: GlobalMaxPool2D(name="p"), (4, 10, 3), r"GlobalMaxPool2D 'p' expects"),
    (lambda: UpSampling2D(name="u"), (3, 4, 5), r"UpSampling2D 'u' expects"),
])
def test_shape_errors_name_the_layer_and_the_fix(make, x_shape, message):
    with pytest.raises(dg.ShapeError, match=message):
        make()(dg.ones(x_shape))


def test_channel_mismatch_after_build_names_the_layer_and_hints_at_channels_last():
    layer = Conv2D(4, 3, name="c")
    layer(dg.ones((1, 3, 8, 8)))
    with pytest.raises(dg.ShapeError, match=r"Conv2D 'c' expected 3 input channels .*x.transpose\(0, 3, 1, 2\)"):
        layer(dg.ones((1, 8, 8, 3)))
    transposed = Conv2DTranspose(4, 3, name="t")
    transposed(dg.ones((1, 2, 4, 4)))
    with pytest.raises(dg.ShapeError, match="Conv2DTranspose 't' expected 2 input channels"):
        transposed(dg.ones((1, 5, 4, 4)))


@pytest.mark.parametrize("make,message", [
    (lambda: Conv2D(6, 3, groups=4), r"filters \(6\) must be divisible by groups \(4\)"),
    (lambda: Conv2D(0, 3), "positive integer filters"),
    (lambda: Conv1D(4, 3, padding="causal"), "'valid', 'same' or an int"),
    (lambda: Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding .* smaller than strides"),
    (lambda: MaxPool2D(2, padding="full"), "'valid' or 'same'"),
    (lambda: UpSampling2D(interpolation="bicubic"), "'nearest' or 'bilinear'"),
])
def test_bad_arguments_are_refused_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_keras_long_names_are_the_same_layers():
    assert pooling.MaxPooling2D is MaxPool2D and pooling.AveragePooling1D is AvgPool1D
    assert pooling.GlobalAveragePooling2D is GlobalAvgPool2D and pooling.GlobalMaxPooling1D is GlobalMaxPool1D


@pytest.mark.parametrize("module", [convolutional, pooling])
def test_docstring_examples_run(module):
    names = types.SimpleNamespace(**{**vars(nn), **vars(convolutional), **vars(pooling)})
    result = doctest.testmod(module, extraglobs={"dg": dg, "nn": names}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0
