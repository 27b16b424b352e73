"""max_pool, avg_pool and the global pools: forward and gradients against PyTorch, finite differences.

PyTorch has no "same" padding for pooling, so the reference pads explicitly: with -inf for max
pooling, and for average pooling divides window sums of the zero-padded input by window sums of
a zero-padded tensor of ones (Keras averages over the input elements of each window only).
Max-pooling inputs are rounded to integers so that windows hold ties: the gradient must go to the
first maximum, as PyTorch sends it. Every test runs twice: with the compiled kernels
(engine/kernels, when Numba is installed) and with the NumPy reference.
"""

import doctest

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import deepgrad as dg
from deepgrad.engine import kernels
from deepgrad.engine.ops import pooling, winograd
from deepgrad.engine.ops.convolution import int_tuple, same_padding
from deepgrad.engine.ops.pooling import avg_pool, global_avg_pool, global_max_pool, max_pool

pytestmark = pytest.mark.usefixtures("kernel_path")


def compare_with_torch(dg_fn, torch_fn, x):
    ours, theirs = dg.tensor(x, dtype=dg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = dg_fn(ours), torch_fn(theirs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def torch_padding(x_shape, pool, strides, padding):
    """F.pad's argument (last axis first) for TensorFlow's "same" padding, or no padding."""
    n = len(x_shape) - 2
    pool = int_tuple(pool, n, "pool")
    strides = pool if strides is None else int_tuple(strides, n, "strides")
    if padding == "valid":
        return [0, 0] * n
    pairs = [same_padding(size, p, s) for size, p, s in zip(x_shape[2:], pool, strides)]
    return [p for pair in reversed(pairs) for p in pair]


def torch_pool(kind, x_shape, pool, strides, padding):
    """The PyTorch function that pools as max_pool / avg_pool do with these settings."""
    two_d = len(x_shape) == 4
    pads = torch_padding(x_shape, pool, strides, padding)
    strides = pool if strides is None else strides
    if kind == "max":
        max_fn = F.max_pool2d if two_d else F.max_pool1d
        return lambda x: max_fn(F.pad(x, pads, value=-float("inf")), pool, strides)
    sum_fn = (lambda t: F.avg_pool2d(t, pool, strides, divisor_override=1)) if two_d else (
        lambda t: F.avg_pool1d(t, pool, strides) * int_tuple(pool, 1, "pool")[0])
    return lambda x: sum_fn(F.pad(x, pads)) / sum_fn(F.pad(torch.ones_like(x), pads))


# (x shape, pool_size, strides, padding)
POOLS = [
    ((2, 3, 6, 8), 2, None, "valid"),  # the common 2×2
    ((2, 3, 7, 9), (3, 2), (1, 2), "valid"),  # overlapping windows along the height
    ((1, 2, 7, 9), 3, 2, "same"),  # "same" with odd sizes, overlapping
    ((2, 2, 5, 6), (2, 3), (3, 1), "same"),  # stride larger than the pool along the height
    ((2, 2, 4, 7), 2, None, "same"),  # odd width: the last window holds one column of padding
    ((2, 1, 3, 3), 1, 1, "valid"),  # 1×1
    ((2, 3, 11), 3, 2, "valid"),
    ((1, 2, 10), 4, 3, "same"),  # 1-D, padding at both ends
    ((2, 2, 9), 2, None, "same"),
]


@pytest.mark.parametrize("x_shape,pool,strides,padding", POOLS)
def test_max_pool_matches_torch_and_gives_ties_to_the_first_maximum(x_shape, pool, strides, padding):
    x = np.round(np.random.default_rng(0).standard_normal(x_shape))  # values in {-3..3}: many ties
    reference = torch_pool("max", x_shape, pool, strides, padding)
    compare_with_torch(lambda t: max_pool(t, pool, strides, padding), reference, x)


@pytest.mark.parametrize("x_shape,pool,strides,padding", POOLS)
def test_avg_pool_matches_torch_and_keras_same_padding(x_shape, pool, strides, padding):
    x = np.random.default_rng(0).standard_normal(x_shape)
    reference = torch_pool("avg", x_shape, pool, strides, padding)
    compare_with_torch(lambda t: avg_pool(t, pool, strides, padding), reference, x)


def test_avg_pool_same_divides_by_the_input_elements_only():
    out = avg_pool(dg.tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]), 2, padding="same")
    np.testing.assert_allclose(out.numpy()[0, 0], [[3.0, 4.5], [7.5, 9.0]])


@pytest.mark.parametrize("fn,x_shape,pool,strides,padding", [
    (max_pool, (1, 2, 5, 4), (2, 3), (2, 1), "same"),
    (max_pool, (2, 1, 7), 3, 2, "valid"),
    (avg_pool, (1, 2, 5, 4), (3, 2), (2, 1), "same"),
    (avg_pool, (2, 1, 7), 2, 3, "same"),
])
def test_gradients_match_finite_differences(fn, x_shape, pool, strides, padding):
    size = int(np.prod(x_shape))
    x = np.random.default_rng(2).permutation(size).reshape(x_shape) * 0.1  # distinct: no ties to straddle
    assert dg.check_gradients(lambda t: fn(t, pool, strides, padding), dg.tensor(x))


def test_max_pool_propagates_nan_as_torch_does():
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32)
    x[0, 0, 3, 1] = np.nan
    expected = F.max_pool2d(torch.tensor(x), 2).numpy()
    out = max_pool(dg.tensor(x), 2).numpy()
    assert np.isnan(out[0, 0, 1, 0]) and np.isnan(out).sum() == 1
    np.testing.assert_array_equal(out, expected)


def test_pooling_keeps_float32_and_makes_integers_float():
    assert max_pool(dg.ones((1, 1, 4, 4)), 2).dtype == np.float32
    assert avg_pool(dg.tensor(np.arange(16).reshape(1, 1, 4, 4)), 2).dtype == np.float32


@pytest.mark.parametrize("x_shape", [(2, 3, 5), (2, 3, 4, 5)])
def test_global_pools_match_torch(x_shape):
    x = np.round(np.random.default_rng(0).standard_normal(x_shape))  # ties share the gradient (amax)
    axes = tuple(range(2, len(x_shape)))
    compare_with_torch(global_avg_pool, lambda t: t.mean(dim=axes), x)
    compare_with_torch(global_max_pool, lambda t: t.amax(dim=axes), x)
    assert global_avg_pool(dg.tensor(x), keepdims=True).shape == (*x_shape[:2], *[1] * len(axes))


def test_errors_name_the_problem():
    with pytest.raises(dg.ShapeError, match="bigger than the input"):
        max_pool(dg.ones((1, 1, 3, 3)), 4)
    with pytest.raises(dg.ShapeError, match=r"\(N, C, L\) or \(N, C, H, W\)"):
        avg_pool(dg.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="'valid' or 'same'"):
        max_pool(dg.ones((1, 1, 4, 4)), 2, padding=1)
    assert max_pool(dg.ones((1, 1, 3, 3)), 4, padding="same").shape == (1, 1, 1, 1)


def test_docstring_examples_run():
    result = doctest.testmod(pooling, extraglobs={"dg": dg}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0


@pytest.mark.parametrize("layout", ["NCHW", "CNHW", "CHWN", "strided"])
def test_max_pool_2x2_agrees_with_the_numpy_reference_in_every_memory_layout(layout):
    """Convolution outputs reach max_pool laid out (C, N, H, W) in memory, or (C, H, W, N), images
    last, from Winograd's layers; the compiled 2×2 kernels read them as laid out and must give what
    the NumPy reference gives, ties and NaN included (odd sizes leave a last row and column that no
    window reads: their gradient is 0)."""
    rng = np.random.default_rng(3)
    values = rng.integers(0, 3, (4, 3, 7, 9)).astype(np.float32)  # small integers: many ties
    values[1, 2, 4, 4] = np.nan
    if layout == "CNHW":
        values = np.ascontiguousarray(values.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    elif layout == "CHWN":
        values = np.ascontiguousarray(values.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    elif layout == "strided":
        values = np.repeat(values, 2, axis=3)[..., ::2]
    data = values.astype(np.float64)  # NumPy's conversion keeps the layout (dg.tensor's would make it C order)
    assert data.transpose(1, 0, 2, 3).flags.c_contiguous == (layout == "CNHW")
    assert winograd.images_last(data) == (layout == "CHWN")
    upstream = rng.standard_normal((4, 3, 3, 4))  # float64, as the input
    results = []
    for compiled in (True, False):
        with kernels.use_compiled(compiled):
            x = dg.Tensor(data, requires_grad=True)  # wrapped as laid out
            out = max_pool(x, 2)
            out.backward(upstream)
            results.append((out.numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert np.isnan(results[0][0][1, 2, 2, 2]) and results[0][1][:, :, 6, :].sum() == 0

