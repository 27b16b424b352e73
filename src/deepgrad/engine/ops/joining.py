"""Joining and cutting tensors: concatenate, stack, split, pad."""

import operator

from deepgrad.engine import backend
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops.arithmetic import as_tensor, operands
from deepgrad.engine.ops.indexing import getitem


def _same_kind(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op} needs at least one tensor")
    first = as_tensor(tensors[0])
    return [first] + [operands(first, t)[1] for t in tensors[1:]]  # one dtype, one device


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis; each gets its slice of the gradient back."""
    tensors = _same_kind(tensors, "concatenate")
    xp = backend.array_module(tensors[0].data)
    try:
        out = xp.concatenate([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ShapeError(f"concatenate(axis={axis}): shapes {shapes} must match except along that axis") from None
    ends = []
    total = 0
    for t in tensors:
        total += t.data.shape[axis]
        ends.append(total)

    def backward(grad):
        return tuple(xp.split(grad, ends[:-1], axis=axis))

    return record(out, tuple(tensors), backward, "concatenate")


def stack(tensors, axis=0):
    """Join tensors of one shape along a new axis."""
    tensors = _same_kind(tensors, "stack")
    xp = backend.array_module(tensors[0].data)
    try:
        out = xp.stack([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ShapeError(f"stack: all tensors need the same shape, got {shapes}") from None

    def backward(grad):
        return tuple(xp.moveaxis(grad, axis, 0))

    return record(out, tuple(tensors), backward, "stack")


def split(a, indices_or_sections, axis=0):
    """Cut `a` along `axis` into a list of tensors, as numpy.split: into N equal parts, or at
    the given indices."""
    length = a.data.shape[axis]
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0 or length % sections:
            raise ShapeError(
                f"split: an axis of length {length} cannot be cut into {sections} equal parts; "
                f"pass a list of split indices instead"
            )
        bounds = [length // sections * i for i in range(sections + 1)]
    else:
        bounds = [0] + [operator.index(i) for i in indices_or_sections] + [length]
    axis = axis % a.data.ndim
    before = (slice(None),) * axis
    return [getitem(a, before + (slice(start, end),)) for start, end in zip(bounds[:-1], bounds[1:])]


def pad(a, pad_width, mode="constant", constant_values=0):
    """Pad with a constant, with NumPy's `pad_width` forms ((before, after) per axis, or one
    pair or one number for all axes); the gradient is the un-padded middle."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; only mode='constant' is")
    x = a.data
    xp = backend.array_module(x)
    widths = backend.numpy.broadcast_to(backend.numpy.asarray(pad_width, dtype=int), (x.ndim, 2))
    if (widths < 0).any():
        raise ShapeError(f"pad: widths must be >= 0, got {pad_width}")
    if x.ndim == 0:  # nothing to pad, as in NumPy
        out = x.copy()
    else:
        out = xp.pad(x, widths.tolist(), mode="constant", constant_values=constant_values)
    middle = tuple(slice(int(before), int(before) + n) for (before, _), n in zip(widths, x.shape))

    def backward(grad):
        return (grad[middle],)

    return record(out, (a,), backward, "pad")
