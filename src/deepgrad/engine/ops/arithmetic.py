"""Elementwise arithmetic with NumPy broadcasting: + - * / **, maximum, minimum, where.

Each backward returns the gradient in the output's shape; `record`'s backpropagation sums it
back to each input's shape (see autograd.unbroadcast). A gradient an input does not need is
not computed (None).
"""

from deepgrad.engine import backend, dtypes
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import DeviceError, ShapeError
from deepgrad.engine.tensor import Tensor


def as_tensor(value, like=None):
    """`value` as a Tensor: tensors pass through, numbers and arrays become constants.

    Numbers take a dtype that combines with `like` without surprise (a float with a float32
    tensor stays float32); floating arrays take the floating dtype of `like`.
    """
    if isinstance(value, Tensor):
        return value
    if like is None:
        return Tensor(dtypes.to_array(value))
    if isinstance(value, (bool, int, float)):
        return Tensor(dtypes.scalar_array(value, like.data))
    device = like.device
    if backend.is_array(value) and value.dtype.kind == "f" and like.data.dtype.kind == "f":
        return Tensor(dtypes.to_array(value, like.data.dtype, device))
    return Tensor(dtypes.to_array(value, device=device))


def operands(a, b):
    """Two tensors of one dtype on one device, from tensors, Python numbers or arrays."""
    if not isinstance(a, Tensor):
        a = as_tensor(a, like=b if isinstance(b, Tensor) else None)
    if not isinstance(b, Tensor):
        b = as_tensor(b, like=a)
    if a.data.dtype != b.data.dtype:
        dtype = dtypes.result_type(a.data.dtype, b.data.dtype)
        a, b = astype(a, dtype), astype(b, dtype)
    if type(a.data) is not type(b.data):
        raise DeviceError(f"an op got tensors on two devices, {a.device!r} and {b.device!r}; move one with .to()")
    return a, b


def broadcast_error(op, a, b):
    return ShapeError(
        f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together; NumPy's "
        f"rule compares dimensions from the right, and each pair must be equal or contain a 1"
    )


def add(a, b):
    """a + b."""
    a, b = operands(a, b)
    try:
        out = a.data + b.data
    except ValueError:
        raise broadcast_error("add", a, b) from None

    def backward(grad):
        return grad, grad

    return record(out, (a, b), backward, "add")


def sub(a, b):
    """a - b."""
    a, b = operands(a, b)
    try:
        out = a.data - b.data
    except ValueError:
        raise broadcast_error("sub", a, b) from None

    def backward(grad):
        return grad, (-grad if b._requires_grad else None)

    return record(out, (a, b), backward, "sub")


def mul(a, b):
    """a * b."""
    a, b = operands(a, b)
    x, y = a.data, b.data
    try:
        out = x * y
    except ValueError:
        raise broadcast_error("mul", a, b) from None

    def backward(grad):
        return (grad * y if a._requires_grad else None), (grad * x if b._requires_grad else None)

    return record(out, (a, b), backward, "mul")


def div(a, b):
    """a / b. Integer tensors divide to float32, as in PyTorch."""
    a, b = operands(a, b)
    if a.data.dtype.kind != "f":
        a, b = astype(a, dtypes.DEFAULT_FLOAT), astype(b, dtypes.DEFAULT_FLOAT)
    x, y = a.data, b.data
    try:
        out = x / y
    except ValueError:
        raise broadcast_error("div", a, b) from None

    def backward(grad):
        grad_x = grad / y
        return (grad_x if a._requires_grad else None), (-grad_x * out if b._requires_grad else None)

    return record(out, (a, b), backward, "div")


def pow(a, b):
    """a ** b. d/da = b·a^(b-1); d/db = a^b·log(a), taken as 0 where a = 0 and b >= 0."""
    a, b = operands(a, b)
    x, y = a.data, b.data
    try:
        out = x**y
    except ValueError:
        raise broadcast_error("pow", a, b) from None

    def backward(grad):
        grad_x = grad_y = None
        xp = backend.array_module(x)
        with backend.errstate(divide="ignore", invalid="ignore"):
            if a._requires_grad:
                grad_x = xp.where(y == 0, 0, grad * y * x ** (y - 1))
            if b._requires_grad:
                grad_y = xp.where((x == 0) & (y >= 0), 0, grad * out * xp.log(x))
        return grad_x, grad_y

    return record(out, (a, b), backward, "pow")


def neg(a):
    """-a."""

    def backward(grad):
        return (-grad,)

    return record(-a.data, (a,), backward, "neg")


def maximum(a, b):
    """The elementwise larger of a and b; at ties each gets half the gradient (as PyTorch)."""
    return _extremum(a, b, "maximum")


def minimum(a, b):
    """The elementwise smaller of a and b; at ties each gets half the gradient (as PyTorch)."""
    return _extremum(a, b, "minimum")


def _extremum(a, b, op):
    a, b = operands(a, b)
    x, y = a.data, b.data
    xp = backend.array_module(x)
    try:
        out = getattr(xp, op)(x, y)
    except ValueError:
        raise broadcast_error(op, a, b) from None

    def backward(grad):
        share_x = xp.where(x == y, 0.5, x == out).astype(grad.dtype)
        grad_x = grad * share_x
        return grad_x, grad - grad_x

    return record(out, (a, b), backward, op)


def where(condition, a, b):
    """Pick from a where condition is true, from b elsewhere; condition gets no gradient."""
    condition = condition.data if isinstance(condition, Tensor) else condition
    a, b = operands(a, b)
    xp = backend.array_module(a.data)
    condition = xp.asarray(condition, dtype=bool)
    try:
        out = xp.where(condition, a.data, b.data)
    except ValueError:
        raise ShapeError(
            f"where: condition {condition.shape}, a {a.shape} and b {b.shape} cannot be broadcast together"
        ) from None

    def backward(grad):
        zero = xp.zeros((), dtype=grad.dtype)
        return (
            xp.where(condition, grad, zero) if a._requires_grad else None,
            xp.where(condition, zero, grad) if b._requires_grad else None,
        )

    return record(out, (a, b), backward, "where")


def astype(a, dtype):
    """a converted to `dtype`; differentiable between floating dtypes (the gradient converts back)."""
    dtype = dtypes.as_dtype(dtype)
    if a.data.dtype == dtype:
        return a

    def backward(grad):
        return (grad,)  # backpropagation casts it back to a's dtype

    out = record(a.data.astype(dtype), (a,), backward, "astype")
    if dtype.kind != "f" and out._requires_grad:
        out = Tensor(out.data)  # integers and bools carry no gradient
    return out


def to(a, device):
    """a on `device` ("cpu" or "gpu"); the gradient flows back to a's device."""
    device = backend.check_device(device)
    if a.device == device:
        return a
    source = a.device

    def backward(grad):
        return (backend.to_device(grad, source),)

    return record(backend.to_device(a.data, device), (a,), backward, "to")


def _comparison(name, compute):
    def compare(a, b):
        a, b = operands(a, b)
        try:
            return Tensor(compute(a.data, b.data))
        except ValueError:
            raise broadcast_error(name, a, b) from None

    compare.__name__ = name
    compare.__doc__ = f"Elementwise `{name}` as a bool tensor; comparisons carry no gradient."
    return compare


equal = _comparison("equal", lambda x, y: x == y)
not_equal = _comparison("not_equal", lambda x, y: x != y)
less = _comparison("less", lambda x, y: x < y)
less_equal = _comparison("less_equal", lambda x, y: x <= y)
greater = _comparison("greater", lambda x, y: x > y)
greater_equal = _comparison("greater_equal", lambda x, y: x >= y)
