"""Elementwise, arithmetic, reduction and softmax ops: against NumPy, finite differences and PyTorch.

Each op is declared once in a table (deepgrad function, PyTorch function, NumPy reference,
input maker), and the same three checks run over every row, as in Chainer's op tests:
forward against NumPy, a float64 central-difference gradient check, and forward plus gradients
against PyTorch over random shapes that include (), size-1 and broadcast shapes.
"""

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg

SHAPES = [(), (1,), (3,), (2, 3), (2, 1, 4)]


def real(rng, shape):
    return rng.uniform(-2, 2, shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2, shape)


def away_from(*kinks):
    """Values in [-2, 2] at least 0.05 from each kink, so finite differences never straddle one."""

    def make(rng, shape):
        x = rng.uniform(-2, 2, shape)
        for kink in kinks:
            x = np.where(np.abs(x - kink) < 0.05, kink + 0.05 * np.sign(x - kink + 1e-12), x)
        return x

    return make


@dataclass
class Case:
    name: str
    dg_fn: Callable
    torch_fn: Callable
    numpy_fn: Callable
    makers: tuple  # one input maker (rng, shape) -> float64 array, per input
    atol: float = 1e-12  # erf is a Chebyshev fit, good to 1.2e-7

    def __str__(self):
        return self.name


def on_grid(offset):
    """Multiples of 0.4 plus `offset`: operands on grids with different offsets never tie."""

    def make(rng, shape):
        return rng.integers(-5, 5, shape) * 0.4 + offset

    return make


UNARY = [
    Case("exp", dg.exp, torch.exp, np.exp, (real,)),
    Case("log", dg.log, torch.log, np.log, (positive,)),
    Case("sqrt", dg.sqrt, torch.sqrt, np.sqrt, (positive,)),
    Case("abs", dg.abs, torch.abs, np.abs, (away_from(0),)),
    Case("sin", dg.sin, torch.sin, np.sin, (real,)),
    Case("cos", dg.cos, torch.cos, np.cos, (real,)),
    Case("tanh", dg.tanh, torch.tanh, np.tanh, (real,)),
    Case("sigmoid", dg.sigmoid, torch.sigmoid, lambda x: 1 / (1 + np.exp(-x)), (real,)),
    Case("relu", dg.relu, torch.relu, lambda x: np.maximum(x, 0), (away_from(0),)),
    Case("softplus", dg.softplus, torch.nn.functional.softplus, lambda x: np.log1p(np.exp(x)), (real,)),
    Case("erf", dg.erf, torch.erf, np.vectorize(math.erf), (real,), atol=1.2e-7),
    Case("neg", operator.neg, operator.neg, operator.neg, (real,)),
    Case(
        "clip",
        lambda t: dg.clip(t, -0.5, 0.7),
        lambda t: torch.clamp(t, -0.5, 0.7),
        lambda x: np.clip(x, -0.5, 0.7),
        (away_from(-0.5, 0.7),),
    ),
    Case("cube", lambda t: t**3, lambda t: t**3, lambda x: x**3, (real,)),
    Case("scalar_pow", lambda t: 2.0**t, lambda t: 2.0**t, lambda x: 2.0**x, (real,)),
    Case("scalar_div", lambda t: 1.5 / t, lambda t: 1.5 / t, lambda x: 1.5 / x, (positive,)),
    Case("scalar_sub", lambda t: 1.0 - t, lambda t: 1.0 - t, lambda x: 1.0 - x, (real,)),
    Case("method_chain", lambda t: (t.tanh() * 2).sigmoid(), lambda t: (t.tanh() * 2).sigmoid(),
         lambda x: 1 / (1 + np.exp(-2 * np.tanh(x))), (real,)),
]

BINARY = [
    Case("add", operator.add, operator.add, operator.add, (real, real)),
    Case("sub", operator.sub, operator.sub, operator.sub, (real, real)),
    Case("mul", operator.mul, operator.mul, operator.mul, (real, real)),
    Case("div", operator.truediv, operator.truediv, operator.truediv, (real, positive)),
    Case("pow", operator.pow, operator.pow, operator.pow, (positive, real)),
    Case("maximum", dg.maximum, torch.maximum, np.maximum, (on_grid(0.0), on_grid(0.2))),
    Case("minimum", dg.minimum, torch.minimum, np.minimum, (on_grid(0.0), on_grid(0.2))),
    Case("add_method", lambda a, b: a.__add__(b), torch.add, np.add, (real, real)),
]


def inputs(case, shapes, seed=0):
    """float64 arrays for `case`, one per input shape."""
    rng = np.random.default_rng(seed)
    return [make(rng, shape) for make, shape in zip(case.makers, shapes)]


def compare_with_torch(case, arrays, dtype=np.float64, rtol=1e-7, atol=1e-9):
    atol = max(atol, case.atol)
    """Run `case` in deepgrad and PyTorch on `arrays`; compare outputs and input gradients."""
    dg_in = [dg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    torch_in = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    dg_out, torch_out = case.dg_fn(*dg_in), case.torch_fn(*torch_in)
    np.testing.assert_allclose(dg_out.numpy(), torch_out.detach().numpy(), rtol=rtol, atol=atol)
    assert dg_out.dtype == dtype
    upstream = np.random.default_rng(1).standard_normal(dg_out.shape).astype(dtype)
    (dg_out * dg.tensor(upstream, dtype=dtype)).sum().backward()
    (torch_out * torch.tensor(upstream)).sum().backward()
    for mine, theirs in zip(dg_in, torch_in):
        assert mine.grad.dtype == dtype and mine.grad.shape == mine.shape
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=atol)


# --- unary ops ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", UNARY, ids=str)
def test_unary_forward_matches_numpy(case, shape):
    (x,) = inputs(case, [shape])
    out = case.dg_fn(dg.tensor(x, dtype="float64"))
    assert out.shape == shape
    np.testing.assert_allclose(out.numpy(), case.numpy_fn(x), rtol=1e-12, atol=case.atol)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", UNARY, ids=str)
def test_unary_gradient_check(case, shape):
    (x,) = inputs(case, [shape])
    assert dg.check_gradients(case.dg_fn, dg.tensor(x))


@pytest.mark.parametrize("case", UNARY, ids=str)
@settings(max_examples=15, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 2**16))
def test_unary_matches_torch(case, shape, seed):
    compare_with_torch(case, inputs(case, [shape], seed))
    compare_with_torch(case, inputs(case, [shape], seed), dtype=np.float32, rtol=2e-6, atol=1e-6)


# --- binary ops with broadcasting ----------------------------------------------------------------
BROADCAST_PAIRS = [((), ()), ((3,), ()), ((), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((4, 1, 3), (2, 1))]


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("case", BINARY, ids=str)
def test_binary_forward_matches_numpy(case, shapes):
    a, b = inputs(case, shapes)
    out = case.dg_fn(dg.tensor(a, dtype="float64"), dg.tensor(b, dtype="float64"))
    np.testing.assert_allclose(out.numpy(), case.numpy_fn(a, b), rtol=1e-12, atol=1e-12)
    assert out.shape == np.broadcast_shapes(*shapes)


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("case", BINARY, ids=str)
def test_binary_gradient_check(case, shapes):
    a, b = inputs(case, shapes)
    assert dg.check_gradients(case.dg_fn, dg.tensor(a), dg.tensor(b))


@pytest.mark.parametrize("case", BINARY, ids=str)
@settings(max_examples=20, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
       seed=st.integers(0, 2**16))
def test_binary_matches_torch(case, shapes, seed):
    compare_with_torch(case, inputs(case, shapes.input_shapes, seed))


def test_number_and_array_operands_on_either_side():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = 3 * x + np.array([1.0, 1.0]) - x / 2 + 2**x
    assert isinstance(np.array([1.0, 1.0]) * x, dg.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 - 0.5 + np.log(2) * 2 ** np.array([1.0, 2.0]), rtol=1e-6)


def test_sigmoid_and_softplus_keep_relative_precision_in_the_tails():
    """Probabilities of rare events (sigmoid(-30) ~ 1e-13) must not round to 0 or lose digits."""
    x = np.array([-80.0, -30.0, -10.0, -1.0, 0.0, 1.0, 10.0, 30.0], dtype=np.float32)
    for mine, theirs in [(dg.sigmoid, torch.sigmoid), (dg.softplus, torch.nn.functional.softplus)]:
        np.testing.assert_allclose(mine(dg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=2e-6)


def test_astype_matches_torch_and_passes_the_gradient_check():
    """A cast is differentiable between floating dtypes; its gradient comes back in the input's dtype."""
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4)).astype(np.float32)
    t, tt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = (t.astype("float64") ** 3).sum(), (tt.to(torch.float64) ** 3).sum()
    assert out.dtype == np.float64
    out.backward()
    expected.backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-6)
    assert dg.check_gradients(lambda v: (v.astype("float32") * v).sum(), dg.tensor(x), rtol=1e-2)
