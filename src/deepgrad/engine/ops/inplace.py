"""In-place updates: `t += x`, `t -= x`, `t *= x`, `t /= x`, `t[index] = x`.

They change the values without recording anything, so they are refused on tensors that
require gradients unless gradients are off, as in an optimizer's step:

    >>> with dg.no_grad():
    ...     w -= learning_rate * w.grad
"""

from deepgrad.engine import backend
from deepgrad.engine.autograd import is_grad_enabled
from deepgrad.engine.errors import DeviceError, GradientError
from deepgrad.engine.ops.indexing import normalize_index
from deepgrad.engine.tensor import Tensor


def _values(target, value, op):
    if is_grad_enabled() and target._requires_grad:
        raise GradientError(
            f"in-place '{op}' on a tensor that requires grad would corrupt backpropagation; do it "
            f"inside `with dg.no_grad():` (as an optimizer step does), or write t = t {op.rstrip('=')} x"
        )
    if isinstance(value, Tensor):
        if type(value.data) is not type(target.data):
            raise DeviceError(f"in-place '{op}': the tensor is on {target.device!r} but the value on {value.device!r}")
        return value.data
    return value


def _inplace(op, update):
    def method(self, value):
        update(self.data, _values(self, value, op))
        return self

    method.__name__ = {"+=": "__iadd__", "-=": "__isub__", "*=": "__imul__", "/=": "__itruediv__"}[op]
    return method


def _iadd(x, v):
    x += v


def _isub(x, v):
    x -= v


def _imul(x, v):
    x *= v


def _idiv(x, v):
    x /= v


iadd = _inplace("+=", _iadd)
isub = _inplace("-=", _isub)
imul = _inplace("*=", _imul)
itruediv = _inplace("/=", _idiv)


def setitem(tensor, index, value):
    """t[index] = value, in place."""
    value = _values(tensor, value, "[...]=")
    tensor.data[normalize_index(index, backend.array_module(tensor.data))] = value
