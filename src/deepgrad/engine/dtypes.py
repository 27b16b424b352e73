"""The dtype rules: float32 by default, PyTorch's promotion between kinds.

* Python floats and float64 arrays become float32 unless a dtype is given (the speed and memory
  of float32 are what deep learning wants; float64 stays available for gradient checks).
* Integers stay integers (Python ints become int64); bools stay bools.
* Mixing kinds promotes to the higher kind (bool < integer < floating), keeping the floating
  operand's precision: int64 + float32 is float32, as in PyTorch (NumPy would say float64).
"""

import numpy as np

from deepgrad.engine.backend import array_module, is_array, module_for

float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64, uint8 = np.int8, np.int16, np.int32, np.int64, np.uint8
bool_ = np.bool_

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def as_dtype(dtype):
    """`dtype` as a NumPy dtype, from a dtype, a type or a name like "float32"."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"unknown dtype {dtype!r}; use a NumPy dtype or a name like 'float32'") from error


def is_floating(dtype):
    return dtype.kind == "f"


def to_array(data, dtype=None, device="cpu"):
    """Convert `data` (number, nested list, ndarray) to an array of `device` by the rules above."""
    xp = module_for(device)
    dtype = as_dtype(dtype)
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    array = xp.asarray(data if is_array(data) else np.asarray(data))
    if array.dtype == np.float64:
        return array.astype(DEFAULT_FLOAT)
    if array.dtype.kind in "iu" and not is_array(data):
        return array.astype(DEFAULT_INT, copy=False)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a tensor from data of dtype {array.dtype} ({type(data).__name__})")
    return array


def result_type(a, b):
    """The dtype of an op on arrays of dtypes `a` and `b` (PyTorch's kind-first rule)."""
    rank_a, rank_b = _KIND_RANK[a.kind], _KIND_RANK[b.kind]
    if rank_a != rank_b:
        return a if rank_a > rank_b else b
    return np.promote_types(a, b)


def scalar_array(value, like):
    """A 0-d array holding the Python number `value`, typed to combine with array `like`."""
    dtype = like.dtype
    if isinstance(value, bool):
        pass
    elif isinstance(value, float) and dtype.kind in "biu":
        dtype = DEFAULT_FLOAT
    elif isinstance(value, int) and dtype.kind == "b":
        dtype = DEFAULT_INT
    return array_module(like).asarray(value, dtype=dtype)
