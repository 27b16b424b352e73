"""Reductions over axes: sum, mean, var, std, max, min, argmax, argmin.

Each takes NumPy's `axis=None | int | tuple` and `keepdims=False`. Their backward spreads the
gradient of each reduced value back over the elements it came from.
"""

import operator

from deepgrad.engine import backend
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops.elementwise import floating
from deepgrad.engine.tensor import Tensor


def normalize_axes(axis, ndim):
    """`axis` (None, an int or a tuple, negatives allowed) as a sorted tuple of axes.

    A 0-d tensor accepts axis 0 or -1, as in PyTorch, and reduces nothing.
    """
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(operator.index(ax) for ax in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if ndim == 0:
        if any(ax not in (0, -1) for ax in axes):
            raise ShapeError(f"axis {axis} is out of range for a 0-d tensor; use 0, -1 or None")
        return ()
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ShapeError(f"axis {ax} is out of range for a tensor with {ndim} dimensions")
    normalized = tuple(sorted(ax % ndim for ax in axes))
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"axis {axis} names the same axis twice")
    return normalized


def kept_shape(shape, axes):
    """The shape of a reduction over `axes` with keepdims=True."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(grad, shape, axes):
    """The gradient of a reduced value, broadcast back over the elements it reduced."""
    return backend.array_module(grad).broadcast_to(grad.reshape(kept_shape(shape, axes)), shape)


def sum(a, axis=None, keepdims=False):
    """The sum over `axis`; each element gets the gradient of its sum."""
    x = a.data
    axes = normalize_axes(axis, x.ndim)

    def backward(grad):
        return (_spread(grad, x.shape, axes),)

    return record(x.sum(axis=axes, keepdims=keepdims), (a,), backward, "sum")


def mean(a, axis=None, keepdims=False):
    """The mean over `axis`; each element gets 1/n of the gradient of its mean."""
    a = floating(a)
    x = a.data
    axes = normalize_axes(axis, x.ndim)
    count = _count(x.shape, axes)

    def backward(grad):
        return (_spread(grad / count, x.shape, axes),)

    return record(x.sum(axis=axes, keepdims=keepdims) / count, (a,), backward, "mean")


def _count(shape, axes):
    count = 1
    for ax in axes:
        count *= shape[ax]
    return count


def _centered(x, axes, ddof):
    """x minus its mean over `axes`, and the variance's divisor n - ddof."""
    return x - x.mean(axis=axes, keepdims=True), _count(x.shape, axes) - ddof


def var(a, axis=None, ddof=0, keepdims=False):
    """The variance Σ(x - mean)² / (n - ddof), NumPy's default ddof=0 (PyTorch's is 1).

    d/dx = 2·(x - mean) / (n - ddof).
    """
    a = floating(a)
    x = a.data
    axes = normalize_axes(axis, x.ndim)
    centered, divisor = _centered(x, axes, ddof)

    def backward(grad):
        return (_spread(grad, x.shape, axes) * centered * (2 / divisor),)

    return record((centered * centered).sum(axis=axes, keepdims=keepdims) / divisor, (a,), backward, "var")


def std(a, axis=None, ddof=0, keepdims=False):
    """The standard deviation sqrt(var); d/dx = (x - mean) / ((n - ddof)·std), taken as 0 where
    std is 0 (as PyTorch does) instead of 0/0."""
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)
    axes = normalize_axes(axis, x.ndim)
    centered, divisor = _centered(x, axes, ddof)
    out = xp.sqrt((centered * centered).sum(axis=axes, keepdims=keepdims) / divisor)

    def backward(grad):
        with backend.errstate(divide="ignore", invalid="ignore"):
            scale = xp.where(out == 0, 0, grad / (divisor * out)).astype(grad.dtype)
        return (_spread(scale, x.shape, axes) * centered,)

    return record(out, (a,), backward, "std")


def max(a, axis=None, keepdims=False):
    """The largest value over `axis`; ties share its gradient equally (as torch.amax)."""
    return _extreme(a, axis, keepdims, "max")


def min(a, axis=None, keepdims=False):
    """The smallest value over `axis`; ties share its gradient equally (as torch.amin)."""
    return _extreme(a, axis, keepdims, "min")


def _extreme(a, axis, keepdims, op):
    x = a.data
    axes = normalize_axes(axis, x.ndim)
    if x.size == 0:
        raise ShapeError(f"{op} of an empty tensor of shape {x.shape} has no value")
    out = getattr(x, op)(axis=axes, keepdims=True)

    def backward(grad):
        chosen = x == out
        share = chosen / chosen.sum(axis=axes, keepdims=True)
        return (_spread(grad, x.shape, axes) * share.astype(grad.dtype, copy=False),)

    return record(out if keepdims else out.reshape([n for i, n in enumerate(out.shape) if i not in axes]),
                  (a,), backward, op)


def argmax(a, axis=None, keepdims=False):
    """The index of the largest value (flat index when axis is None); an int64 tensor."""
    return Tensor(a.data.argmax(axis=axis, keepdims=keepdims))


def argmin(a, axis=None, keepdims=False):
    """The index of the smallest value (flat index when axis is None); an int64 tensor."""
    return Tensor(a.data.argmin(axis=axis, keepdims=keepdims))
