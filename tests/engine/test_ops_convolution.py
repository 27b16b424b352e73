"""conv and conv_transpose: forward and gradients against PyTorch, finite differences, errors.

Each PyTorch case runs in float64 on both sides: the forward values, then the gradients of x,
weight and bias backpropagated from one random upstream gradient. Cases cover odd sizes, stride
larger than the kernel, "same" padding with even kernels, dilation, groups (depthwise too),
batch 1, 1×1 kernels and padding that differs between the two sides of an axis. Every test runs
twice (the `kernel_path` fixture): with the compiled col2im and bias + ReLU of
engine/kernels/convolution.py, and with the NumPy reference.
"""

import doctest

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import deepgrad as dg
from deepgrad.engine.ops import convolution
from deepgrad.engine.ops.convolution import conv, conv_transpose, same_padding

pytestmark = pytest.mark.usefixtures("kernel_path")


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def compare_with_torch(dg_fn, torch_fn, *values, atol=1e-10):
    """dg_fn and torch_fn on the same float64 arrays: equal outputs and equal input gradients."""
    ours = [dg.tensor(v, dtype=dg.float64, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    out, expected = dg_fn(*ours), torch_fn(*theirs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=atol)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=atol)


def resolve(padding, sizes, kernel, stride, dilation):
    """The (before, after) pairs a padding argument means; "same" by TensorFlow's rule."""
    n = len(sizes)
    kernel, stride, dilation = (convolution.int_tuple(v, n, "v") for v in (kernel, stride, dilation))
    if padding == "same":
        return tuple(same_padding(*args) for args in zip(sizes, kernel, stride, dilation))
    return convolution.padding_pairs(padding, n)


def torch_pad(x, pairs):
    """F.pad takes the last axis first."""
    return F.pad(x, [p for pair in reversed(pairs) for p in pair])


# (x shape, weight shape, stride, padding, dilation, groups)
CONV2D = [
    ((2, 3, 7, 9), (4, 3, 3, 3), 1, 0, 1, 1),  # odd sizes
    ((1, 2, 8, 8), (3, 2, 2, 2), 3, 0, 1, 1),  # stride larger than the kernel, batch 1
    ((2, 4, 6, 5), (6, 2, 3, 2), (2, 1), 1, 1, 2),  # groups, rectangular kernel
    ((2, 3, 5, 6), (6, 1, 3, 3), 1, 1, 1, 3),  # depthwise, depth multiplier 2
    ((1, 2, 9, 10), (2, 2, 3, 3), 1, 2, 2, 1),  # dilation
    ((3, 5, 4, 4), (2, 5, 1, 1), 1, 0, 1, 1),  # 1×1
    ((2, 2, 10, 11), (3, 2, 2, 3), 2, 0, (2, 1), 1),  # stride and dilation
    ((2, 3, 6, 7), (4, 3, 2, 4), 1, "same", 1, 1),  # "same" with even kernels
    ((2, 2, 7, 8), (2, 2, 4, 2), 1, "same", (2, 3), 1),  # "same", even kernel, dilation
    ((2, 3, 7, 8), (4, 3, 4, 3), 2, "same", 1, 1),  # TensorFlow's "same" with stride 2
    ((2, 2, 5, 5), (2, 2, 3, 3), 1, ((0, 2), (1, 0)), 1, 1),  # different padding per side
    ((2, 3, 9, 8), (4, 3, 3, 3), 1, 1, (2, 1), 1),  # dilation along the rows only
]
CONV1D = [
    ((2, 3, 11), (4, 3, 3), 1, 0, 1, 1),
    ((1, 4, 9), (4, 2, 2), 3, 1, 1, 2),  # stride larger than the kernel, groups, batch 1
    ((2, 4, 10), (4, 1, 3), 1, 2, 2, 4),  # depthwise with dilation
    ((2, 2, 7), (3, 2, 4), 1, "same", 1, 1),  # "same" with an even kernel
    ((2, 2, 8), (3, 2, 1), 2, 0, 1, 1),  # 1-wide kernel, stride 2
    ((2, 2, 9), (3, 2, 3), 2, ((2, 0),), 1, 1),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note that it pads a copy
@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("x_shape,w_shape,stride,padding,dilation,groups", CONV2D + CONV1D)
def test_conv_matches_torch(x_shape, w_shape, stride, padding, dilation, groups, activation):
    pairs = resolve(padding, x_shape[2:], w_shape[2:], stride, dilation)
    torch_conv = F.conv2d if len(x_shape) == 4 else F.conv1d

    def reference(x, w, b):
        if padding == "same" and stride == 1:  # PyTorch's own "same" (stride 1 only)
            y = torch_conv(x, w, b, stride, "same", dilation, groups)
        else:
            y = torch_conv(torch_pad(x, pairs), w, b, stride, 0, dilation, groups)
        return y if activation is None else torch.relu(y)

    compare_with_torch(lambda x, w, b: conv(x, w, stride, pairs, dilation, groups, bias=b, activation=activation),
                       reference, *arrays(x_shape, w_shape, (w_shape[0],)))


def test_fused_relu_passes_no_gradient_where_its_output_is_zero_and_keeps_nan():
    """relu(conv) as one op: PyTorch's rule (gradient 0 where the output is 0, even for an infinite
    upstream gradient), and NaN outputs stay NaN as in np.maximum."""
    x = np.ones((1, 1, 3, 3))
    x[0, 0, 1, 1] = np.nan
    xt, wt = dg.tensor(x, requires_grad=True), dg.tensor(-np.ones((1, 1, 1, 1)), requires_grad=True)
    out = conv(xt, wt, activation="relu")
    assert np.isnan(out.numpy()[0, 0, 1, 1]) and np.nansum(np.abs(out.numpy())) == 0
    out.backward(np.full(out.shape, np.inf))
    assert (xt.grad.numpy() == 0).all()


# (x shape, weight shape, stride, padding, output_padding, dilation, groups)
CONV_TRANSPOSE = [
    ((2, 3, 4, 5), (3, 2, 3, 3), 1, 0, 0, 1, 1),
    ((1, 2, 3, 3), (2, 3, 2, 2), 3, 0, 0, 1, 1),  # stride larger than the kernel, batch 1
    ((2, 4, 3, 4), (4, 3, 3, 2), 2, 1, 1, 1, 2),  # groups, padding, output_padding
    ((2, 3, 4, 4), (3, 1, 3, 3), (2, 1), (1, 0), (1, 0), (1, 2), 3),  # depthwise, dilation
    ((2, 2, 3, 4), (2, 3, 1, 1), 2, 0, 1, 1, 1),  # 1×1 with output_padding
    ((1, 2, 3, 3), (2, 2, 2, 2), 1, 0, 1, 2, 1),  # output_padding < dilation (stride 1)
    ((2, 3, 5), (3, 4, 3), 2, 1, 1, 1, 1),
    ((1, 4, 6), (4, 1, 2), 1, 0, 0, 2, 2),
]


@pytest.mark.parametrize("x_shape,w_shape,stride,padding,output_padding,dilation,groups", CONV_TRANSPOSE)
def test_conv_transpose_matches_torch(x_shape, w_shape, stride, padding, output_padding, dilation, groups):
    torch_fn = F.conv_transpose2d if len(x_shape) == 4 else F.conv_transpose1d
    compare_with_torch(
        lambda x, w, b: conv_transpose(x, w, stride, padding, output_padding, dilation, groups, bias=b),
        lambda x, w, b: torch_fn(x, w, b, stride, padding, output_padding, groups, dilation),
        *arrays(x_shape, w_shape, (w_shape[1] * groups,)),
    )


def test_conv_transpose_with_padding_that_differs_per_side_crops_the_full_output():
    pairs = ((0, 1), (2, 0))

    def reference(x, w):
        full = F.conv_transpose2d(x, w, stride=2, output_padding=1)
        return full[:, :, 0:full.shape[2] - 1, 2:]

    compare_with_torch(lambda x, w: conv_transpose(x, w, 2, pairs, 1), reference, *arrays((2, 2, 3, 4), (2, 3, 3, 3)))


def test_conv_transpose_is_the_input_gradient_of_conv():
    x, w, g = arrays((2, 4, 7, 6), (6, 2, 3, 2), (2, 6, 4, 6))
    xt = dg.tensor(x, dtype=dg.float64, requires_grad=True)
    out = conv(xt, dg.tensor(w, dtype=dg.float64), stride=(2, 1), padding=((1, 1), (0, 1)), groups=2)
    (grad_x,) = dg.grad(out, [xt], grad_output=g)
    transposed = conv_transpose(dg.tensor(g, dtype=dg.float64), dg.tensor(w, dtype=dg.float64), stride=(2, 1),
                                padding=((1, 1), (0, 1)), output_padding=(0, 0), groups=2)
    np.testing.assert_allclose(transposed.numpy(), grad_x.numpy(), rtol=1e-12, atol=1e-12)


GRADIENT_CASES = [
    (lambda x, w, b: conv(x, w, (2, 1), ((1, 0), (0, 1)), (1, 2), 2, bias=b), (1, 2, 5, 4), (4, 1, 2, 3), 4),
    (lambda x, w, b: conv(x, w, 1, 1, (2, 1), 1, bias=b, activation="relu"), (2, 2, 6, 5), (3, 2, 3, 3), 3),
    (lambda x, w, b: conv(x, w, 2, 1, 1, 1, bias=b), (2, 2, 7), (3, 2, 3), 3),
    (lambda x, w, b: conv_transpose(x, w, 2, 1, 1, 1, 2, bias=b), (1, 2, 3, 3), (2, 2, 3, 2), 4),
    (lambda x, w, b: conv_transpose(x, w, 2, 0, 1, 2, 1, bias=b), (2, 1, 4), (1, 2, 2), 2),
]


@pytest.mark.parametrize("fn,x_shape,w_shape,filters", GRADIENT_CASES)
def test_gradients_match_finite_differences(fn, x_shape, w_shape, filters):
    x, w, b = arrays(x_shape, w_shape, (filters,), seed=3)
    assert dg.check_gradients(fn, dg.tensor(x), dg.tensor(w), dg.tensor(b))


def test_float32_stays_float32_and_bias_is_optional():
    x, w = (a.astype(np.float32) for a in arrays((2, 3, 6, 6), (4, 3, 3, 3)))
    xt, wt = dg.tensor(x, requires_grad=True), dg.tensor(w, requires_grad=True)
    out = conv(xt, wt, padding=1)
    out.sum().backward()
    assert out.dtype == np.float32 and xt.grad.dtype == np.float32 and wt.grad.dtype == np.float32
    expected = F.conv2d(torch.tensor(x), torch.tensor(w), padding=1)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_only_the_gradients_that_are_needed_are_computed(monkeypatch):
    def refuse(*args):
        raise AssertionError("col2im ran for an input that needs no gradient")

    monkeypatch.setattr(convolution, "add_windows", refuse)
    x, w = arrays((1, 2, 5, 5), (3, 2, 3, 3))
    wt = dg.tensor(w, requires_grad=True)
    conv(dg.tensor(x), wt).sum().backward()
    expected = torch.tensor(w, requires_grad=True)
    F.conv2d(torch.tensor(x), expected).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), expected.grad.numpy(), rtol=1e-6)


def test_same_padding_follows_tensorflow():
    assert same_padding(7, 4) == (1, 2)  # the odd element at the end
    assert same_padding(7, 3, stride=2) == (1, 1)  # 4 outputs need 9 = 7 + 2
    assert same_padding(8, 3, stride=2) == (0, 1)
    assert same_padding(5, 1, stride=3) == (0, 0)
    assert same_padding(9, 3, dilation=2) == (2, 2)


@pytest.mark.parametrize("call,message", [
    (lambda: conv(dg.ones((1, 1, 3, 3)), dg.ones((1, 1, 5, 5))), "does not fit"),
    (lambda: conv(dg.ones((1, 1, 3, 3)), dg.ones((1, 1, 2, 2)), dilation=3), "does not fit"),
    (lambda: conv(dg.ones((1, 4, 5, 5)), dg.ones((2, 2, 3, 3)), groups=3), "divisible by groups"),
    (lambda: conv(dg.ones((1, 4, 5, 5)), dg.ones((2, 3, 3, 3))), "channels / groups"),
    (lambda: conv(dg.ones((4, 5, 5)), dg.ones((2, 4, 3, 3))), "takes x"),
    (lambda: conv(dg.ones((1, 2, 5, 5, 5)), dg.ones((2, 2, 3, 3, 3))), "takes x"),
    (lambda: conv(dg.ones((1, 2, 5)), dg.ones((3, 2, 3)), bias=dg.ones(2)), "bias must have shape"),
    (lambda: conv_transpose(dg.ones((1, 3, 4, 4)), dg.ones((2, 1, 3, 3))), "needs 3 in axis 0"),
    (lambda: conv_transpose(dg.ones((1, 1, 2)), dg.ones((1, 1, 2)), padding=2), "removes the whole output"),
])
def test_shape_errors_say_what_is_wrong(call, message):
    with pytest.raises(dg.ShapeError, match=message):
        call()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose(dg.ones((1, 1, 3)), dg.ones((1, 1, 2)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="stride"):
        conv(dg.ones((1, 1, 5)), dg.ones((1, 1, 2)), stride=0)
    with pytest.raises(ValueError, match="padding"):
        conv(dg.ones((1, 1, 5, 5)), dg.ones((1, 1, 2, 2)), padding=(1, 2, 3))
    with pytest.raises(TypeError, match="dilation"):
        conv(dg.ones((1, 1, 5)), dg.ones((1, 1, 2)), dilation=1.5)
    with pytest.raises(ValueError, match="activation must be None or 'relu', got 'tanh'"):
        conv(dg.ones((1, 1, 5)), dg.ones((1, 1, 2)), activation="tanh")


def test_docstring_examples_run():
    result = doctest.testmod(convolution, extraglobs={"dg": dg}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0
