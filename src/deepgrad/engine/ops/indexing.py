"""Indexing `t[...]` with slices, ints, None, Ellipsis, integer arrays and boolean masks.

The gradient goes back to the positions that were picked. An integer array may pick the same
position twice, so its backward adds with `add.at` (which sums repeats) instead of assigning.
"""

from deepgrad.engine import backend
from deepgrad.engine.autograd import record
from deepgrad.engine.tensor import Tensor

_BASIC = (int, slice, type(None), type(Ellipsis))


def normalize_index(index, xp):
    """`index` with tensors and lists turned into arrays that `xp` can index with."""
    if not isinstance(index, tuple):
        index = (index,)
    parts = []
    for part in index:
        if isinstance(part, Tensor):
            part = part.data
        elif isinstance(part, list):
            part = xp.asarray(part)
            if part.size == 0:  # [] is an empty integer index, not a float array
                part = part.astype("int64")
        elif backend.is_array(part) and backend.array_module(part) is not xp:
            part = xp.asarray(part)
        if backend.is_array(part) and part.dtype.kind not in "biu":
            raise IndexError(f"tensors can only be indexed with integer or boolean arrays, not {part.dtype}")
        parts.append(part)
    return tuple(parts)


def _is_basic(index):
    """True when no integer array is in `index`, so each element is picked at most once."""
    return all(isinstance(part, _BASIC) or part.dtype == bool for part in index)


def getitem(a, index):
    """a[index] as NumPy indexes arrays."""
    x = a.data
    xp = backend.array_module(x)
    index = normalize_index(index, xp)
    try:
        out = x[index]
    except IndexError as error:
        raise IndexError(f"index {index} does not fit a tensor of shape {x.shape}: {error}") from None
    basic = _is_basic(index)

    def backward(grad):
        full = xp.zeros(x.shape, dtype=grad.dtype)
        if basic:
            full[index] = grad
        else:
            xp.add.at(full, index, grad)
        return (full,)

    return record(out, (a,), backward, "getitem")
