"""Matrix multiplication, batched and broadcast as NumPy's `@`.

For C = A @ B: dA = dC @ Bᵀ and dB = Aᵀ @ dC, with the batch axes summed back when A or B was
broadcast. A 1-D operand is treated as a row (A) or a column (B) vector, as NumPy does.
"""

from deepgrad.engine.autograd import record, unbroadcast
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops.arithmetic import operands


def matmul(a, b):
    """a @ b."""
    a, b = operands(a, b)
    x, y = a.data, b.data
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(
            f"matmul needs tensors with at least 1 dimension, got shapes {x.shape} and {y.shape}; use * for scalars"
        )
    inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if x.shape[-1] != inner_y:
        raise ShapeError(
            f"matmul: shapes {x.shape} and {y.shape} do not fit: the last axis of the first ({x.shape[-1]}) "
            f"must equal the {'second-to-last' if y.ndim > 1 else 'only'} axis of the second ({inner_y})"
        )
    try:
        out = x @ y
    except ValueError:
        raise ShapeError(
            f"matmul: the batch axes of shapes {x.shape} and {y.shape} cannot be broadcast together"
        ) from None

    if x.ndim == 2 and y.ndim == 2:  # the common case of a dense layer, without reshaping

        def backward(grad):
            return (grad @ y.T if a._requires_grad else None), (x.T @ grad if b._requires_grad else None)

        return record(out, (a, b), backward, "matmul")

    def backward(grad):
        x2 = x if x.ndim > 1 else x[None, :]
        y2 = y if y.ndim > 1 else y[:, None]
        grad2 = grad  # the gradient with the vector axes put back: (..., m, n)
        if y.ndim == 1:
            grad2 = grad2[..., None]
        if x.ndim == 1:
            grad2 = grad2[..., None, :]
        grad_x = grad_y = None
        if a._requires_grad:
            grad_x = unbroadcast(grad2 @ y2.swapaxes(-1, -2), x2.shape).reshape(x.shape)
        if b._requires_grad:
            grad_y = unbroadcast(x2.swapaxes(-1, -2) @ grad2, y2.shape).reshape(y.shape)
        return grad_x, grad_y

    return record(out, (a, b), backward, "matmul")
