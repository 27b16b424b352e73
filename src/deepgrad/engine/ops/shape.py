"""Ops that rearrange elements without changing them: reshape, transpose and friends.

Their backward applies the inverse rearrangement to the gradient.
"""

import operator

from deepgrad.engine import backend
from deepgrad.engine.autograd import record, unbroadcast
from deepgrad.engine.errors import ShapeError


def _shape_argument(shape):
    """reshape(2, 3) and reshape((2, 3)) both mean (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(operator.index(n) for n in shape)


def reshape(a, *shape):
    """The same elements in a new shape (one dimension may be -1, inferred)."""
    shape = _shape_argument(shape)
    x = a.data
    try:
        out = x.reshape(shape)
    except ValueError:
        raise ShapeError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) into shape {shape}") from None

    def backward(grad):
        return (grad.reshape(x.shape),)

    return record(out, (a,), backward, "reshape")


def transpose(a, *axes):
    """Permute the axes (reverse them when none are given), as NumPy's transpose."""
    axes = _shape_argument(axes) if axes and axes != (None,) else tuple(reversed(range(a.data.ndim)))
    ndim = a.data.ndim
    if any(not -ndim <= ax < ndim for ax in axes) or sorted(ax % ndim for ax in axes) != list(range(ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of the {ndim} axes of shape {a.shape}")
    inverse = tuple(sorted(range(len(axes)), key=lambda i: axes[i] % len(axes)))

    def backward(grad):
        return (grad.transpose(inverse),)

    return record(a.data.transpose(axes), (a,), backward, "transpose")


def swapaxes(a, axis1, axis2):
    """Exchange two axes."""

    def backward(grad):
        return (grad.swapaxes(axis1, axis2),)

    try:
        out = a.data.swapaxes(axis1, axis2)
    except ValueError as error:
        raise ShapeError(f"swapaxes({axis1}, {axis2}) on a tensor of shape {a.shape}: {error}") from None
    return record(out, (a,), backward, "swapaxes")


def expand_dims(a, axis):
    """Insert axes of length 1 at `axis` (an int or a tuple), as NumPy's expand_dims."""
    xp = backend.array_module(a.data)
    x = a.data
    try:
        out = xp.expand_dims(x, axis)
    except ValueError as error:
        raise ShapeError(f"expand_dims(axis={axis}) on a tensor of shape {x.shape}: {error}") from None

    def backward(grad):
        return (grad.reshape(x.shape),)

    return record(out, (a,), backward, "expand_dims")


def squeeze(a, axis=None):
    """Remove axes of length 1 (all of them, or those in `axis`)."""
    x = a.data
    try:
        out = x.squeeze(axis)
    except ValueError:
        raise ShapeError(f"squeeze(axis={axis}): that axis of shape {x.shape} does not have length 1") from None

    def backward(grad):
        return (grad.reshape(x.shape),)

    return record(out, (a,), backward, "squeeze")


def flatten(a, start_dim=0, end_dim=-1):
    """Merge the axes from `start_dim` to `end_dim` into one (all of them by default)."""
    shape = a.data.shape
    if not shape:
        return reshape(a, 1)
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = 1
    for n in shape[start : end + 1]:
        merged *= n
    return reshape(a, shape[:start] + (merged,) + shape[end + 1 :])


def broadcast_to(a, shape):
    """a repeated along new or length-1 axes to `shape`; the gradient is summed back."""
    shape = _shape_argument((shape,)) if not isinstance(shape, int) else (shape,)
    x = a.data
    try:
        out = backend.array_module(x).broadcast_to(x, shape)
    except ValueError:
        raise ShapeError(f"cannot broadcast a tensor of shape {x.shape} to shape {shape}") from None

    def backward(grad):
        return (unbroadcast(grad, x.shape),)

    return record(out, (a,), backward, "broadcast_to")
