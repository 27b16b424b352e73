"""Gradient clipping: rescale or clamp gradients before `optimizer.step()` (against exploding gradients).

Both functions give each parameter a new `.grad` tensor and never write into the old gradient
arrays, which other code (another leaf, a saved copy) may share.
"""

import math

from deepgrad.engine.backend import array_module
from deepgrad.engine.tensor import Tensor
from deepgrad.optim.optimizer import number


def _with_gradients(params, owner):
    params = [params] if isinstance(params, Tensor) else list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Tensor; pass model.parameters()")
    return [p for p in params if p.grad is not None]


def clip_grad_norm(params, max_norm, norm_type=2.0):
    """Scale all gradients together so that their joint norm is at most `max_norm`; returns the norm before.

    The total norm treats every gradient as one long vector:

        total = (sum over all gradient entries of |g|**norm_type) ** (1 / norm_type)
        total = max |g|                                  for norm_type = inf
        g = g * min(1, max_norm / (total + 1e-6))        (for every gradient)

    Arguments: params (a tensor or an iterable of them; those without .grad are left out),
    max_norm (>= 0), norm_type=2.0 (any positive number, or float("inf")). Returns the total norm
    as a 0-d tensor, as torch.nn.utils.clip_grad_norm_ does.

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([0.0, 0.0], requires_grad=True)
        >>> w.grad = dg.tensor([3.0, 4.0])
        >>> optim.clip_grad_norm([w], max_norm=1.0).item()
        5.0
        >>> [round(g, 4) for g in w.grad.tolist()]
        [0.6, 0.8]
    """
    max_norm = number("clip_grad_norm", "max_norm", max_norm)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm: max_norm must be >= 0, got {max_norm!r}")
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or not norm_type > 0:
        raise ValueError(f"clip_grad_norm: norm_type must be a positive number or float('inf'), got {norm_type!r}")
    params = _with_gradients(params, "clip_grad_norm")
    if not params:
        return Tensor(0.0)
    grads = [p.grad.data for p in params]
    xp = array_module(grads[0])
    norms = [_norm(xp, g, norm_type) for g in grads]
    dtype = xp.result_type(*norms)
    norms = xp.stack([n.astype(dtype) for n in norms])
    total = xp.max(norms) if math.isinf(norm_type) else _norm(xp, norms, norm_type)
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)  # multiplied in even when 1, as torch does
    for p, g in zip(params, grads):
        p.grad = Tensor(g * scale.astype(g.dtype))
    return Tensor(xp.asarray(total))


def _norm(xp, g, norm_type):
    """The `norm_type`-norm of all entries of `g`, as a 0-d array of g's dtype."""
    magnitude = xp.abs(g)
    if math.isinf(norm_type):
        return xp.asarray(xp.max(magnitude) if g.size else xp.zeros((), g.dtype))
    if norm_type == 2:
        return xp.asarray(xp.sqrt(xp.sum(magnitude * magnitude)))
    return xp.asarray(xp.sum(magnitude**norm_type) ** (1.0 / norm_type))


def clip_grad_value(params, clip_value):
    """Clamp every gradient entry into [-clip_value, clip_value].

        g = min(max(g, -clip_value), clip_value)

    Arguments: params (a tensor or an iterable of them; those without .grad are left alone),
    clip_value (>= 0).

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([0.0, 0.0, 0.0], requires_grad=True)
        >>> w.grad = dg.tensor([-3.0, 0.5, 2.0])
        >>> optim.clip_grad_value([w], 1.0)
        >>> w.grad.tolist()
        [-1.0, 0.5, 1.0]
    """
    clip_value = number("clip_grad_value", "clip_value", clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value: clip_value must be >= 0, got {clip_value!r}")
    for p in _with_gradients(params, "clip_grad_value"):
        g = p.grad.data
        p.grad = Tensor(array_module(g).clip(g, -clip_value, clip_value))
