"""clip_grad_norm and clip_grad_value against torch.nn.utils, and the gradients they leave alone."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg
from deepgrad import optim

SHAPES = [(), (3, 4), (5,)]
gradient_values = st.floats(-100, 100, width=32)


def gradients(dtype=np.float32):
    return st.tuples(*[hnp.arrays(dtype, shape, elements=gradient_values) for shape in SHAPES])


def both(grads):
    """deepgrad and torch parameters holding `grads`; deepgrad's gradient arrays are read-only."""
    ours, theirs = [], []
    for g in map(np.asarray, grads):  # NumPy gives shape () results as scalars
        p = dg.zeros(g.shape, dtype=g.dtype, requires_grad=True)
        p.grad = dg.Tensor(g.copy())
        p.grad.data.flags.writeable = False
        q = torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        q.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(q)
    return ours, theirs


@given(grads=gradients(), max_norm=st.floats(0.01, 50.0), norm_type=st.sampled_from([1.0, 2.0, 3.5, math.inf]))
def test_clip_grad_norm_matches_torch(grads, max_norm, norm_type):
    ours, theirs = both(grads)
    old = [(p.grad, p.grad.data.copy()) for p in ours]
    total = optim.clip_grad_norm(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, dg.Tensor) and total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-5, atol=1e-6)
    for p, q, (old_grad, old_values) in zip(ours, theirs, old):
        assert p.grad is not old_grad, "clip_grad_norm must give a new .grad tensor"
        np.testing.assert_array_equal(old_grad.data, old_values)  # the old gradient is untouched
        assert p.grad.dtype == np.float32 and p.grad.shape == p.shape
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_in_float64_matches_torch(norm_type):
    grads = [np.random.default_rng(3).standard_normal(shape) * 10 for shape in SHAPES]
    ours, theirs = both(grads)
    total = optim.clip_grad_norm(ours, 1.0, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    assert total.dtype == np.float64
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_leaves_small_gradients_as_they_are_and_skips_params_without_grad():
    small, unused = dg.zeros(2, requires_grad=True), dg.zeros(2, requires_grad=True)
    small.grad = dg.tensor([0.3, 0.4])
    total = optim.clip_grad_norm([small, unused], max_norm=1.0)
    assert total.item() == pytest.approx(0.5)
    np.testing.assert_allclose(small.grad.numpy(), [0.3, 0.4], rtol=1e-6)
    assert unused.grad is None


def test_clip_grad_norm_takes_a_single_tensor_and_an_empty_list():
    w = dg.zeros(2, requires_grad=True)
    w.grad = dg.tensor([3.0, 4.0])
    assert optim.clip_grad_norm(w, 2.5).item() == pytest.approx(5.0)
    np.testing.assert_allclose(w.grad.numpy(), [1.5, 2.0], rtol=1e-5)
    assert optim.clip_grad_norm([], 1.0).item() == 0.0


@given(grads=gradients(), clip_value=st.floats(0.0, 60.0))
def test_clip_grad_value_matches_torch(grads, clip_value):
    ours, theirs = both(grads)
    old = [(p.grad, p.grad.data.copy()) for p in ours]
    optim.clip_grad_value(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q, (old_grad, old_values) in zip(ours, theirs, old):
        assert p.grad is not old_grad
        np.testing.assert_array_equal(old_grad.data, old_values)
        assert p.grad.dtype == np.float32 and p.grad.shape == p.shape
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


@pytest.mark.parametrize("call,error,pattern", [
    (lambda ps: optim.clip_grad_norm(ps, -1.0), ValueError, "max_norm must be >= 0, got -1.0"),
    (lambda ps: optim.clip_grad_norm(ps, "1"), TypeError, "max_norm must be a number, got '1'"),
    (lambda ps: optim.clip_grad_norm(ps, 1.0, norm_type=0), ValueError, "norm_type must be a positive .* got 0"),
    (lambda ps: optim.clip_grad_norm(ps, 1.0, norm_type="fro"), ValueError, "got 'fro'"),
    (lambda ps: optim.clip_grad_value(ps, -0.5), ValueError, "clip_value must be >= 0, got -0.5"),
    (lambda ps: optim.clip_grad_value([np.zeros(2)], 0.5), TypeError, "parameter 0 is a ndarray, not a Tensor"),
])
def test_bad_clipping_arguments_are_refused_by_name(call, error, pattern):
    w = dg.zeros(2, requires_grad=True)
    w.grad = dg.tensor([3.0, 4.0])
    with pytest.raises(error, match=pattern):
        call([w])
    assert w.grad.tolist() == [3.0, 4.0]
