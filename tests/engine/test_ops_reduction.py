"""Reductions and the softmax family: against NumPy, finite differences and PyTorch, plus stability."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg


def _dims(x, axis):
    """PyTorch's spelling of NumPy's axis (None: every axis)."""
    return tuple(range(x.ndim)) if axis is None else axis


def _scipy_free_logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


# name -> (deepgrad call, torch call, numpy call), each taking (x, axis, keepdims)
REDUCTIONS = {
    "sum": (
        lambda x, a, k: dg.sum(x, axis=a, keepdims=k),
        lambda x, a, k: torch.sum(x, dim=_dims(x, a), keepdim=k),
        lambda x, a, k: np.sum(x, axis=a, keepdims=k),
    ),
    "mean": (
        lambda x, a, k: x.mean(axis=a, keepdims=k),
        lambda x, a, k: torch.mean(x, dim=_dims(x, a), keepdim=k),
        lambda x, a, k: np.mean(x, axis=a, keepdims=k),
    ),
    "var": (
        lambda x, a, k: x.var(axis=a, keepdims=k),
        lambda x, a, k: torch.var(x, dim=_dims(x, a), correction=0, keepdim=k),
        lambda x, a, k: np.var(x, axis=a, keepdims=k),
    ),
    "var_ddof1": (
        lambda x, a, k: dg.var(x, axis=a, ddof=1, keepdims=k),
        lambda x, a, k: torch.var(x, dim=_dims(x, a), correction=1, keepdim=k),
        lambda x, a, k: np.var(x, axis=a, ddof=1, keepdims=k),
    ),
    "std": (
        lambda x, a, k: x.std(axis=a, keepdims=k),
        lambda x, a, k: torch.std(x, dim=_dims(x, a), correction=0, keepdim=k),
        lambda x, a, k: np.std(x, axis=a, keepdims=k),
    ),
    "max": (
        lambda x, a, k: x.max(axis=a, keepdims=k),
        lambda x, a, k: torch.amax(x, dim=_dims(x, a), keepdim=k),
        lambda x, a, k: np.max(x, axis=a, keepdims=k),
    ),
    "min": (
        lambda x, a, k: dg.min(x, axis=a, keepdims=k),
        lambda x, a, k: torch.amin(x, dim=_dims(x, a), keepdim=k),
        lambda x, a, k: np.min(x, axis=a, keepdims=k),
    ),
    "logsumexp": (
        lambda x, a, k: dg.logsumexp(x, axis=a, keepdims=k),
        lambda x, a, k: torch.logsumexp(x, dim=_dims(x, a), keepdim=k),
        _scipy_free_logsumexp,
    ),
}
AXES = [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False), ((1, 2), True)]


def _values(shape, seed=0):
    """Distinct values (a shuffled grid plus noise), so max and min have no ties."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 + rng.uniform(0, 0.01, size)).reshape(shape) - size * 0.05


@pytest.mark.parametrize("axis,keepdims", AXES, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_forward_gradients_and_torch(name, axis, keepdims):
    mine, theirs, reference = REDUCTIONS[name]
    x = _values((2, 3, 4))
    out = mine(dg.tensor(x, dtype="float64"), axis, keepdims)
    np.testing.assert_allclose(out.numpy(), reference(x, axis, keepdims), rtol=1e-12)
    assert dg.check_gradients(lambda t: mine(t, axis, keepdims), dg.tensor(x))

    t = dg.tensor(x, requires_grad=True)
    tt = torch.tensor(x.astype(np.float32), requires_grad=True)
    out, expected = mine(t, axis, keepdims), theirs(tt, axis, keepdims)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    (out * upstream).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@settings(max_examples=25, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5), seed=st.integers(0, 2**16),
       axis_pick=st.integers(0, 2))
def test_softmax_family_matches_torch(name, shape, seed, axis_pick):
    axis = -1 if not shape else axis_pick % len(shape)
    x = np.random.default_rng(seed).uniform(-3, 3, shape)
    t, tt = dg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = getattr(dg, name)(t, axis=axis), getattr(torch, name)(tt, dim=axis)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(seed + 1).standard_normal(shape)
    (out * dg.tensor(upstream, dtype="float64")).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert dg.check_gradients(lambda v: getattr(dg, name)(v, axis=axis), dg.tensor(x))


def test_softmax_family_is_stable_for_huge_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        results = [dg.softmax(dg.tensor(x)), dg.log_softmax(dg.tensor(x)), dg.logsumexp(dg.tensor(x))]
    expected = [torch.softmax(torch.tensor(x), -1), torch.log_softmax(torch.tensor(x), -1),
                torch.logsumexp(torch.tensor(x), -1)]
    for mine, theirs in zip(results, expected):
        assert np.isfinite(mine.numpy()).all()
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    out = dg.logsumexp(dg.tensor([[-np.inf, -np.inf], [0.0, -np.inf]]))
    assert out.numpy()[0] == -np.inf and out.numpy()[1] == 0.0


def test_sigmoid_saturates_without_overflow():
    x = dg.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = dg.sigmoid(x)
        y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.25, 0.0])


def test_max_ties_share_the_gradient_like_torch_amax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=np.float32)
    t, tt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    dg.max(t, axis=1).sum().backward()
    torch.amax(tt, dim=1).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy())


def test_maximum_ties_and_relu_at_zero_match_torch():
    a, b = np.array([1.0, 2.0, 0.0], np.float32), np.array([1.0, 0.0, 0.0], np.float32)
    da, db = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (dg.maximum(da, db) + dg.relu(da)).sum().backward()
    (torch.maximum(ta, tb) + torch.relu(ta)).sum().backward()
    np.testing.assert_allclose(da.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(db.grad.numpy(), tb.grad.numpy())


def test_std_gradient_is_zero_where_std_is_zero_like_torch():
    t, tt = dg.ones((2, 3), requires_grad=True), torch.ones((2, 3), requires_grad=True)
    dg.std(t, axis=1).sum().backward()
    torch.std(tt, dim=1, correction=0).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), tt.grad.numpy())


def test_pow_gradient_with_respect_to_exponent_at_zero_base():
    base = dg.tensor([0.0, 2.0], requires_grad=True)
    exponent = dg.tensor([2.0, 3.0], requires_grad=True)
    tb, te = torch.tensor([0.0, 2.0], requires_grad=True), torch.tensor([2.0, 3.0], requires_grad=True)
    (base**exponent).sum().backward()
    (tb**te).sum().backward()
    np.testing.assert_allclose(exponent.grad.numpy(), te.grad.numpy())
    np.testing.assert_allclose(base.grad.numpy(), tb.grad.numpy())


def test_where_routes_gradients_and_matches_torch():
    cond = np.array([True, False, True])
    a, b = np.array([1.0, 2.0, 3.0], np.float32), np.array([[4.0], [5.0]], np.float32)
    da, db = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out = dg.where(dg.tensor(cond), da, db)
    expected = torch.where(torch.tensor(cond), ta, tb)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy())
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    np.testing.assert_allclose(da.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(db.grad.numpy(), tb.grad.numpy())
    assert dg.check_gradients(lambda x, y: dg.where(cond, x, y), dg.tensor(a), dg.tensor(b))


def test_argmax_argmin_follow_numpy():
    x = _values((3, 4), seed=3)
    for axis in (None, 0, 1):
        assert (dg.argmax(dg.tensor(x), axis=axis).numpy() == np.argmax(x, axis=axis)).all()
        assert (dg.tensor(x).argmin(axis=axis).numpy() == np.argmin(x, axis=axis)).all()
    assert dg.argmax(dg.tensor(x), axis=1).dtype == np.int64


def test_reductions_of_integers_and_bools():
    assert dg.tensor([1, 2, 3]).mean().dtype == np.float32
    assert dg.tensor([True, False, True]).sum().item() == 2
    assert dg.exp(dg.tensor([0, 1])).dtype == np.float32


def test_bad_axis_is_a_shape_error_naming_it():
    with pytest.raises(dg.ShapeError, match="axis 3"):
        dg.sum(dg.ones((2, 3)), axis=3)
    with pytest.raises(dg.ShapeError, match="same axis twice"):
        dg.sum(dg.ones((2, 3)), axis=(1, -1))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom", "ignore:invalid value encountered")  # ddof=1 of 1 value
@pytest.mark.parametrize("name", REDUCTIONS)
@settings(max_examples=20, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 2**16),
       axis_pick=st.integers(-1, 2), keepdims=st.booleans())
def test_reductions_match_torch_over_random_shapes(name, shape, seed, axis_pick, keepdims):
    """Shapes include () and size-1 axes; the axis is None or one existing axis. A variance with
    ddof=1 of a single value is NaN in both libraries (compared, but not differentiated)."""
    mine, theirs, _ = REDUCTIONS[name]
    axis = None if axis_pick < 0 or not shape else axis_pick % len(shape)
    x = _values(shape, seed)
    t, tt = dg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = mine(t, axis, keepdims), theirs(tt, axis, keepdims)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, equal_nan=True)
    if np.isfinite(expected.detach().numpy()).all():
        (out * 1.5).sum().backward()
        (expected * 1.5).sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-12)
