"""attention_weights: NumPy reference, PyTorch, finite differences, fully masked rows, errors."""

import doctest

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.engine import ops
from deepgrad.engine.ops import attention


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def reference(q, k, mask, scale):
    """The weights in float64 NumPy, written out independently: exp of the allowed scores over their sum."""
    scores = (q.astype(np.float64) @ np.swapaxes(k, -1, -2)) * scale
    allowed = np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = np.max(np.where(allowed, scores, -1e300), axis=-1, keepdims=True)
    e = np.where(allowed, np.exp(scores - top), 0.0)
    total = e.sum(-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


@pytest.mark.parametrize("q_shape,k_shape,mask_shape", [
    ((2, 3, 4, 5), (2, 3, 6, 5), None), ((2, 3, 4, 5), (2, 3, 6, 5), (2, 1, 4, 6)),
    ((4, 5), (6, 5), (4, 6)), ((2, 1, 4, 3), (1, 3, 4, 3), (1, 1, 4, 4)),
])
def test_matches_numpy_and_torch(q_shape, k_shape, mask_shape):
    q, k = rng_array(*q_shape, seed=1), rng_array(*k_shape, seed=2)
    mask = None if mask_shape is None else np.random.default_rng(3).random(mask_shape) < 0.7
    if mask is not None:
        mask[..., 0] = True  # every row keeps a key, so that torch gives no NaN
    dq, dk = dg.tensor(q, requires_grad=True), dg.tensor(k, requires_grad=True)
    out = ops.attention_weights(dq, dk, mask)
    scale = 1 / np.sqrt(q.shape[-1])
    expected = reference(q, k, True if mask is None else mask, scale)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)

    tq, tk = torch.tensor(q, requires_grad=True), torch.tensor(k, requires_grad=True)
    scores = tq @ tk.transpose(-1, -2) * scale
    if mask is not None:
        scores = scores.masked_fill(~torch.tensor(mask), float("-inf"))
    t_out = torch.softmax(scores, dim=-1)
    up = rng_array(*out.shape, seed=4)
    (out * dg.tensor(up)).sum().backward()
    (t_out * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(dq.grad.numpy(), tq.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(dk.grad.numpy(), tk.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_gradients_by_finite_differences_with_a_fully_masked_row():
    mask = np.array([[True, False, True], [False, False, False], [True, True, True], [False, True, False]])
    q, k = dg.tensor(rng_array(2, 4, 3, seed=5)), dg.tensor(rng_array(2, 3, 3, seed=6))
    assert dg.check_gradients(lambda a, b: ops.attention_weights(a, b, mask, scale=0.7), q, k, atol=1e-6)
    assert dg.check_gradients(lambda a, b: ops.attention_weights(a, b) @ b, q, k, atol=1e-6)


def test_fully_masked_rows_are_zero_and_finite_where_torch_gives_nan():
    q = dg.tensor(rng_array(1, 3, 4, seed=7), requires_grad=True)
    mask = np.array([[True, True], [False, False], [True, False]])
    out = ops.attention_weights(q, q[:, :2], mask)
    np.testing.assert_array_equal(out.numpy()[0, 1], [0.0, 0.0])
    np.testing.assert_allclose(out.numpy().sum(-1), [[1.0, 0.0, 1.0]], rtol=1e-6)
    out.sum().backward()
    assert np.isfinite(q.grad.numpy()).all()
    t_scores = torch.zeros(2).masked_fill(torch.tensor([True, True]), float("-inf"))
    assert torch.isnan(torch.softmax(t_scores, -1)).all()  # what we avoid


def test_large_scores_do_not_overflow():
    q = dg.tensor(np.array([[[300.0, 0.0], [-300.0, 0.0]]], np.float32))
    out = ops.attention_weights(q, q, scale=1.0).numpy()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, [[[1.0, 0.0], [0.0, 1.0]]], atol=1e-6)


def test_bad_masks_and_shapes_raise_typed_errors():
    q = dg.ones((2, 3, 4))
    with pytest.raises(TypeError, match=r"bool mask.*got dtype float64.*mask == 0"):
        ops.attention_weights(q, q, np.zeros((3, 3)))
    with pytest.raises(dg.ShapeError, match=r"mask of shape \(2, 4\) does not broadcast to the scores' shape "
                                            r"\(2, 3, 3\)"):
        ops.attention_weights(q, q, np.ones((2, 4), bool))
    with pytest.raises(dg.ShapeError, match=r"the same d, got shapes \(2, 3, 4\) and \(2, 3, 5\)"):
        ops.attention_weights(q, dg.ones((2, 3, 5)))


def test_docstring_examples_run():
    result = doctest.testmod(attention, extraglobs={"dg": dg}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
