"""Scaled dot-product attention weights, masked, as one primitive.

    S = scale · Q @ Kᵀ                                   (..., T_q, T_k)
    P = softmax(S) over the keys the mask allows, 0 at the others

A query whose keys are all masked out gets a row of zeros (PyTorch's attention gives NaN there),
so what it reads from the values is 0 and nothing downstream becomes NaN. Backward, with
G = dL/dP:

    dS = P·(G - Σ_k G·P)                                  (softmax's rule; 0 where masked, as P is)
    dQ = scale · dS @ K          dK = scale · dSᵀ @ Q

Why one primitive instead of matmul, where and softmax: the mask never enters the graph, a fully
masked row needs the care above that softmax alone cannot give, and the backward keeps only P.
The product P @ V is left to `matmul`, so that the weights stay a differentiable tensor that a
layer can return, and dropout can act on them in between (as in Keras and PyTorch).
"""

import math

from deepgrad.engine import backend
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops.arithmetic import operands
from deepgrad.engine.ops.elementwise import floating
from deepgrad.engine.tensor import Tensor


def _allowed(mask, shape, xp):
    """`mask` as a bool array of `shape` (a broadcast view), or a typed error naming it."""
    array = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
    if array.dtype != bool:
        raise TypeError(
            f"attention_weights takes a bool mask, True where a query may attend to a key; got dtype "
            f"{array.dtype} (an additive float mask of 0 and -inf converts with mask == 0)"
        )
    try:
        return xp.broadcast_to(array, shape)
    except ValueError:
        raise ShapeError(
            f"attention_weights: a mask of shape {tuple(array.shape)} does not broadcast to the scores' shape "
            f"{tuple(shape)} (..., T_q, T_k)"
        ) from None


def attention_weights(query, key, mask=None, scale=None):
    """softmax(scale · query @ keyᵀ) over the last axis, restricted to where `mask` is True.

    query (..., T_q, d), key (..., T_k, d) (batch axes broadcast), mask a bool array broadcastable
    to (..., T_q, T_k) or None; `scale` defaults to 1/sqrt(d). Returns (..., T_q, T_k); each row
    sums to 1, or is all 0 when its mask row is all False.

        >>> q = dg.tensor([[[1.0, 0.0], [0.0, 1.0]]])
        >>> attention_weights(q, q, mask=[[True, False], [False, False]]).tolist()
        [[[1.0, 0.0], [0.0, 0.0]]]
    """
    query, key = operands(floating(query), floating(key))
    q, k = query.data, key.data
    if q.ndim < 2 or k.ndim < 2 or q.shape[-1] != k.shape[-1]:
        raise ShapeError(
            f"attention_weights takes query (..., T_q, d) and key (..., T_k, d) with the same d, got shapes "
            f"{tuple(q.shape)} and {tuple(k.shape)}"
        )
    xp = backend.array_module(q)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    try:
        scores = q @ k.swapaxes(-1, -2)
    except ValueError:
        raise ShapeError(
            f"attention_weights: the batch axes of query {tuple(q.shape)} and key {tuple(k.shape)} do not broadcast"
        ) from None
    scores *= scale
    if mask is not None:
        scores = xp.where(_allowed(mask, scores.shape, xp), scores, -xp.inf)
    peak = scores.max(axis=-1, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0)  # a fully masked row: exp(-inf - 0) = 0, no inf - inf
    weights = xp.exp(scores - peak)
    total = weights.sum(axis=-1, keepdims=True)
    weights /= xp.where(total > 0, total, 1)  # the largest term is e^0 = 1, so total is 0 only when masked

    def backward(grad):
        d_scores = weights * (grad - (grad * weights).sum(axis=-1, keepdims=True))
        d_scores *= scale
        grad_query = d_scores @ k if query._requires_grad else None
        grad_key = d_scores.swapaxes(-1, -2) @ q if key._requires_grad else None
        return grad_query, grad_key

    return record(weights, (query, key), backward, "attention_weights")
