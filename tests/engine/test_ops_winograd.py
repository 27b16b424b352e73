"""conv's Winograd F(4×4, 3×3) path (engine/ops/winograd.py, kernels/winograd.py): forward and
gradients against PyTorch and against conv's im2col path, finite differences, and where it is used.

The tests that check the numbers lower its thresholds (`everywhere`) so that small layers take it;
`test_it_is_used_where_it_was_measured_to_pay` checks the thresholds themselves.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import deepgrad as dg
from deepgrad.engine import kernels
from deepgrad.engine.ops import winograd
from deepgrad.engine.ops.convolution import conv
from deepgrad.engine.ops.pooling import max_pool

pytest.importorskip("numba")  # the transforms are compiled loops; without Numba conv runs im2col


@pytest.fixture
def everywhere(monkeypatch):
    """Winograd for every layer it can do, and a count of the layers that ran it."""
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 1)
    monkeypatch.setattr(winograd, "MIN_OUTPUT", 1)
    monkeypatch.setattr(winograd, "MIN_BATCH", 1)
    calls = []
    forward = winograd.forward
    monkeypatch.setattr(winograd, "forward", lambda *args: calls.append(args[0].shape) or forward(*args))
    return calls


def torch_padded(x, pads):
    (top, bottom), (left, right) = pads
    return F.pad(x, [left, right, top, bottom])


def assert_matches_torch(out, expected, ours, theirs, rng):
    """out equals PyTorch's expected, and so do the gradients of ours and theirs after the same
    random upstream gradient goes back through both (float64, to 1e-10)."""
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-10)


# (x shape, filters, padding as ((top, bottom), (left, right)))
CASES = [
    ((2, 3, 6, 6), 4, ((1, 1), (1, 1))),  # "same", even sizes: whole tiles
    ((3, 2, 7, 9), 5, ((1, 1), (1, 1))),  # odd sizes: the last tiles hang over
    ((2, 3, 8, 5), 4, ((0, 0), (0, 0))),  # "valid"
    ((2, 4, 5, 6), 3, ((2, 2), (2, 2))),  # the most padding it takes
    ((2, 3, 6, 7), 4, ((0, 2), (1, 0))),  # different on each side
    ((1, 1, 3, 3), 1, ((0, 0), (0, 0))),  # one output
    ((17, 2, 10, 8), 3, ((1, 1), (1, 1))),  # whole tiles and a part one; 16 images at a time, then one
]


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("x_shape,filters,pads", CASES)
def test_winograd_matches_torch_in_float64(everywhere, x_shape, filters, pads, activation):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(shape) for shape in (x_shape, (filters, x_shape[1], 3, 3), (filters,)))
    ours = [dg.tensor(v, dtype=dg.float64, requires_grad=True) for v in (x, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w, b)]
    out = conv(*ours[:2], padding=pads, bias=ours[2], activation=activation)
    expected = F.conv2d(torch_padded(theirs[0], pads), theirs[1], theirs[2])
    expected = expected if activation is None else torch.relu(expected)
    assert everywhere == [x_shape], "the layer did not run as Winograd"
    assert_matches_torch(out, expected, ours, theirs, rng)


@pytest.mark.parametrize("chain", ["conv", "pool", "pool, conv"])
def test_layers_pass_images_last_arrays_on_and_back(everywhere, chain):
    """A Winograd layer leaves its output laid out images last; the next Winograd layer, or 2×2
    max-pooling, reads it as laid out and hands gradients back the same way. Each chain after a
    first Winograd layer, and a flattening at the end (whose gradient comes back laid out
    (N, C, H, W)), against PyTorch in float64."""
    rng = np.random.default_rng(5)
    shapes = [(3, 2, 9, 7), (4, 2, 3, 3), (4,)] + ([(3, 4, 3, 3), (3,)] if "conv" in chain else [])
    values = [rng.standard_normal(shape) for shape in shapes]  # x, weight and bias of each layer
    ours = [dg.tensor(v, dtype=dg.float64, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]

    out = conv(ours[0], ours[1], padding=1, bias=ours[2], activation="relu")
    expected = torch.relu(F.conv2d(theirs[0], theirs[1], theirs[2], padding=1))
    for layer in chain.split(", "):
        assert winograd.images_last(out.numpy())
        if layer == "pool":
            out, expected = max_pool(out, 2), F.max_pool2d(expected, 2)
        else:
            out, expected = conv(out, ours[3], bias=ours[4]), F.conv2d(expected, theirs[3], theirs[4])
    assert winograd.images_last(out.numpy()) and len(everywhere) == (1 if chain == "pool" else 2)
    assert_matches_torch(out.reshape(3, -1), expected.reshape(3, -1), ours, theirs, rng)


def test_im2col_layers_take_images_last_inputs(everywhere):
    """A 1×1 convolution (im2col's path) after a Winograd layer, on its images-last output (NumPy's
    window copy reads that layout as fast as (C, N, H, W)): forward and gradients against PyTorch
    in float64."""
    rng = np.random.default_rng(6)
    x, w1, w2 = rng.standard_normal((5, 3, 6, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((2, 4, 1, 1))
    ours = [dg.tensor(v, dtype=dg.float64, requires_grad=True) for v in (x, w1, w2)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w1, w2)]
    hidden = conv(ours[0], ours[1], padding=1, activation="relu")
    assert winograd.images_last(hidden.numpy())
    out = conv(hidden, ours[2])
    expected = F.conv2d(torch.relu(F.conv2d(theirs[0], theirs[1], padding=1)), theirs[2])
    assert_matches_torch(out, expected, ours, theirs, rng)
    assert len(everywhere) == 1


def test_winograd_in_float32_agrees_with_im2col(monkeypatch):
    """A CIFAR-sized layer in float32 (where it runs by default): forward and gradients within
    float32 rounding of conv's im2col form."""
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 32, 16, 16), (32, 32, 3, 3), (32,)))
    w *= 0.1
    upstream = rng.standard_normal((4, 32, 16, 16)).astype(np.float32)
    results = []
    monkeypatch.setattr(winograd, "MIN_BATCH", 1)
    for channels in (10**9, 16):  # im2col, then Winograd
        monkeypatch.setattr(winograd, "MIN_CHANNELS", channels)
        tensors = [dg.tensor(v, requires_grad=True) for v in (x, w, b)]
        out = conv(*tensors[:2], padding=1, bias=tensors[2], activation="relu")
        out.backward(upstream)
        assert out.dtype == np.float32 and all(t.grad.dtype == np.float32 for t in tensors)
        results.append([out.numpy(), *(t.grad.numpy() for t in tensors)])
    for im2col, fast in zip(*results):
        np.testing.assert_allclose(fast, im2col, rtol=1e-4, atol=1e-4 * np.abs(im2col).max())


def test_winograd_gradients_match_finite_differences(everywhere):
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    assert dg.check_gradients(lambda x, w, b: conv(x, w, 1, ((1, 0), (2, 1)), bias=b, activation="relu"),
                              dg.tensor(x), dg.tensor(w), dg.tensor(b))
    assert everywhere


def test_images_last_pooling_gradients_match_finite_differences(everywhere):
    """2×2 max-pooling of a Winograd layer's images-last output (its own compiled kernels), with the
    layer before it, against finite differences."""
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 3))
    pooled_images_last = []

    def layer_and_pool(x, w):
        hidden = conv(x, w, padding=1)
        pooled_images_last.append(winograd.images_last(hidden.numpy()))
        return max_pool(hidden, 2)

    assert dg.check_gradients(layer_and_pool, dg.tensor(x), dg.tensor(w))
    assert all(pooled_images_last) and everywhere


def test_only_the_needed_gradients_are_computed(everywhere, monkeypatch):
    from deepgrad.engine.kernels import winograd as compiled

    def refuse(*args):
        raise AssertionError("the input's gradient was computed for an input that needs none")

    monkeypatch.setattr(compiled, "input_transform_adjoint", refuse)
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    wt = dg.tensor(w, dtype=dg.float64, requires_grad=True)
    xt = dg.tensor(x, dtype=dg.float64)
    conv(xt, wt, padding=1).sum().backward()
    expected = torch.tensor(w, requires_grad=True)
    F.conv2d(torch.tensor(x), expected, padding=1).sum().backward()
    assert xt.grad is None
    np.testing.assert_allclose(wt.grad.numpy(), expected.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("weight_shape,stride,dilation,groups,padding", [
    ((8, 16, 3, 3), 2, 1, 1, 1),  # strided
    ((8, 16, 3, 3), 1, 2, 1, 2),  # dilated
    ((8, 8, 3, 3), 1, 1, 2, 1),  # grouped
    ((8, 16, 5, 5), 1, 1, 1, 2),  # 5×5
    ((8, 16, 3, 3), 1, 1, 1, 3),  # padded beyond 2
])
def test_it_is_not_used_where_it_does_not_apply(everywhere, weight_shape, stride, dilation, groups, padding):
    x = dg.randn(2, 16, 20, 20)
    conv(x, dg.randn(*weight_shape), stride, padding, dilation, groups)
    assert everywhere == []


def test_it_is_used_where_it_was_measured_to_pay():
    pads, valid = ((1, 1), (1, 1)), ((0, 0), (0, 0))
    cifar = np.zeros((64, 32, 32, 32), np.float32)
    assert winograd.applies(cifar, np.zeros((32, 32, 3, 3), np.float32), (1, 1), (1, 1), 1, pads)
    assert winograd.applies(cifar[:, :, :16, :16], np.zeros((64, 32, 3, 3), np.float32), (1, 1), (1, 1), 1, pads)
    mnist = np.zeros((64, 32, 13, 13), np.float32)  # the MNIST CNN's second layer: 11×11 outputs
    assert winograd.applies(mnist, np.zeros((64, 32, 3, 3), np.float32), (1, 1), (1, 1), 1, valid)
    # few input channels (a first layer), few images, outputs smaller than a tile, or the NumPy reference
    assert not winograd.applies(cifar[:, :3], np.zeros((32, 3, 3, 3), np.float32), (1, 1), (1, 1), 1, pads)
    assert not winograd.applies(cifar[:4], np.zeros((32, 32, 3, 3), np.float32), (1, 1), (1, 1), 1, pads)
    assert not winograd.applies(cifar[:, :, :5, :5], np.zeros((32, 32, 3, 3), np.float32), (1, 1), (1, 1), 1, valid)
    with kernels.use_compiled(False):
        assert not winograd.applies(cifar, np.zeros((32, 32, 3, 3), np.float32), (1, 1), (1, 1), 1, pads)
