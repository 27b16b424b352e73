"""The engine: tensors, their ops, and reverse-mode automatic differentiation."""

import functools

from deepgrad.engine import memory, ops
from deepgrad.engine.anomaly import detect_anomaly
from deepgrad.engine.autograd import enable_grad, grad, is_grad_enabled, no_grad
from deepgrad.engine.backend import gpu_available
from deepgrad.engine.creation import (
    arange,
    eye,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from deepgrad.engine.dtypes import bool_, float16, float32, float64, int8, int16, int32, int64, uint8
from deepgrad.engine.errors import (
    AnomalyError,
    DeviceError,
    GradientCheckError,
    GradientError,
    MissingDependencyError,
    ShapeError,
)
from deepgrad.engine.gradcheck import check_gradients
from deepgrad.engine.ops.arithmetic import as_tensor
from deepgrad.engine.random import manual_seed
from deepgrad.engine.tensor import Tensor


def _accepting_data(function):
    """The op `function`, also accepting numbers, lists and arrays as its first argument."""

    @functools.wraps(function)
    def op(a, *args, **kwargs):
        return function(a if isinstance(a, Tensor) else as_tensor(a), *args, **kwargs)

    return op


memory.keep_freed_memory()  # glibc keeps freed memory for the next step's arrays (see memory.py)

_UNARY = (
    "exp log sqrt abs sin cos tanh sigmoid relu softplus erf clip sum mean var std max min argmax argmin "
    "logsumexp softmax log_softmax reshape transpose swapaxes expand_dims squeeze flatten "
    "broadcast_to split pad astype"
).split()
globals().update({name: _accepting_data(getattr(ops, name)) for name in _UNARY})
add, sub, mul, div, pow, matmul = ops.add, ops.sub, ops.mul, ops.div, ops.pow, ops.matmul
maximum, minimum, where, concatenate, stack = ops.maximum, ops.minimum, ops.where, ops.concatenate, ops.stack
equal, not_equal, less, less_equal, greater, greater_equal = (
    ops.equal, ops.not_equal, ops.less, ops.less_equal, ops.greater, ops.greater_equal,
)

__all__ = [
    "Tensor", "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "randn", "rand",
    "randint", "zeros_like", "ones_like", "manual_seed", "no_grad", "enable_grad",
    "is_grad_enabled", "grad", "detect_anomaly", "check_gradients", "gpu_available",
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_",
    "ShapeError", "DeviceError", "GradientError", "AnomalyError", "GradientCheckError",
    "MissingDependencyError",
    "add", "sub", "mul", "div", "pow", "matmul", "maximum", "minimum", "where", "concatenate",
    "stack", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", *_UNARY,
]
