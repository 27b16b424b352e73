"""Making tensors: from data, filled with a value, ranges, and random numbers.

Every constructor takes `dtype=`, `requires_grad=` and `device=`. Floating results are float32
unless `dtype` says otherwise.
"""

from deepgrad.engine import backend, dtypes
from deepgrad.engine.random import generator
from deepgrad.engine.tensor import Tensor

_np = backend.host_numpy()


def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new tensor holding a copy of `data` (a number, nested lists, an ndarray or a Tensor).

    Python floats and float64 arrays become float32 unless `dtype` is given; integers stay
    int64 and bools stay bool. The copy is C-contiguous (row-major) whatever the memory order of
    `data`, as with torch.tensor.

        >>> dg.tensor([[1, 2], [3, 4]]).dtype
        dtype('int64')
        >>> dg.tensor([0.5, 1.5], requires_grad=True).dtype
        dtype('float32')
    """
    if isinstance(data, Tensor):
        data = data.data
        dtype = dtype if dtype is not None else data.dtype
    device = backend.check_device(device or (backend.device_of(data) if backend.is_array(data) else None))
    array = dtypes.to_array(data, dtype, device)
    xp = backend.array_module(array)
    # data itself when no conversion was needed, or a view of it (np.asarray(memmap) is one)
    shared = backend.is_array(data) and backend.array_module(data) is xp and xp.may_share_memory(array, data)
    if shared or not array.flags.c_contiguous:  # a conversion is new but keeps data's memory order
        array = array.copy(order="C")
    return Tensor(array, requires_grad=requires_grad)


def _make(array, dtype, requires_grad, device, default=dtypes.DEFAULT_FLOAT):
    """Cast a host array to `dtype` (or `default`), move it to `device`, wrap it."""
    device = backend.check_device(device)
    dtype = dtypes.as_dtype(dtype) or default
    array = backend.to_device(_np.asarray(array, dtype=dtype), device)
    return Tensor(array, requires_grad=requires_grad)


def _shape(shape):
    """An int or a tuple (or several ints, for randn and rand) as a shape tuple."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def zeros(shape, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros."""
    return full(shape, 0, dtype, requires_grad, device)


def ones(shape, dtype=None, requires_grad=False, device=None):
    """A tensor of ones."""
    return full(shape, 1, dtype, requires_grad, device)


def full(shape, value, dtype=None, requires_grad=False, device=None):
    """A tensor filled with `value` (float32 unless `dtype` says otherwise)."""
    device = backend.check_device(device)
    dtype = dtypes.as_dtype(dtype) or dtypes.DEFAULT_FLOAT
    return Tensor(backend.module_for(device).full(shape, value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False, device=None):
    """Zeros with the shape (and, unless given, the dtype and device) of `t`."""
    return full(t.shape, 0, dtype or t.dtype, requires_grad, device or t.device)


def ones_like(t, dtype=None, requires_grad=False, device=None):
    """Ones with the shape (and, unless given, the dtype and device) of `t`."""
    return full(t.shape, 1, dtype or t.dtype, requires_grad, device or t.device)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False, device=None):
    """Evenly spaced values in [start, stop), as numpy.arange; int64 for ints, else float32."""
    values = _np.arange(start, stop, step) if stop is not None else _np.arange(start)
    return _make(values, dtype, requires_grad, device, default=dtypes.to_array(values).dtype)


def linspace(start, stop, num=50, dtype=None, requires_grad=False, device=None):
    """`num` evenly spaced values from start to stop, both included."""
    return _make(_np.linspace(start, stop, num), dtype, requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    """An n×m matrix with ones on the diagonal."""
    return _make(_np.eye(n, m), dtype, requires_grad, device)


def _random(draw, shape, dtype, requires_grad, device):
    """Numbers from `draw(shape, dtype)`, drawn directly in float32 or float64 (rounding float64
    draws to float32 could turn 0.99999999 into 1.0, outside rand's [0, 1))."""
    dtype = dtypes.as_dtype(dtype) or dtypes.DEFAULT_FLOAT
    drawn = draw(_shape(shape), dtype=dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float64)
    return _make(drawn, dtype, requires_grad, device)


def randn(*shape, dtype=None, requires_grad=False, device=None):
    """Samples of the standard normal distribution; `randn(2, 3)` or `randn((2, 3))`."""
    return _random(generator().standard_normal, shape, dtype, requires_grad, device)


def rand(*shape, dtype=None, requires_grad=False, device=None):
    """Samples of the uniform distribution on [0, 1); `rand(2, 3)` or `rand((2, 3))`."""
    return _random(generator().random, shape, dtype, requires_grad, device)


def randint(low, high, shape, dtype=None, requires_grad=False, device=None):
    """Random integers in [low, high), int64 unless `dtype` says otherwise."""
    if high <= low:
        raise ValueError(f"randint needs low < high, got low={low}, high={high}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _make(generator().integers(low, high, size=shape), dtype, requires_grad, device, default=dtypes.DEFAULT_INT)
