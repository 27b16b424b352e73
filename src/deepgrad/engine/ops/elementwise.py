"""Elementwise math functions, each with its derivative beside it.

`tanh`, `sigmoid` and `relu` get fused rules: their backward reuses the forward's output,
which is both faster and more stable than composing them from exp and division.
"""

from deepgrad.engine import backend, dtypes
from deepgrad.engine.autograd import record
from deepgrad.engine.ops.arithmetic import astype


def floating(a):
    """`a` itself when it holds floats, else `a` as float32 (exp of an integer is a float)."""
    return a if a.data.dtype.kind == "f" else astype(a, dtypes.DEFAULT_FLOAT)


def exp(a):
    """e^a; d/da = e^a."""
    a = floating(a)
    out = backend.array_module(a.data).exp(a.data)

    def backward(grad):
        return (grad * out,)

    return record(out, (a,), backward, "exp")


def log(a):
    """The natural logarithm; d/da = 1/a."""
    a = floating(a)
    x = a.data

    def backward(grad):
        return (grad / x,)

    return record(backend.array_module(x).log(x), (a,), backward, "log")


def sqrt(a):
    """The square root; d/da = 1 / (2·sqrt(a))."""
    a = floating(a)
    out = backend.array_module(a.data).sqrt(a.data)

    def backward(grad):
        return (grad / (2 * out),)

    return record(out, (a,), backward, "sqrt")


def abs(a):
    """|a|; d/da = sign(a), taken as 0 at 0."""
    x = a.data
    xp = backend.array_module(x)

    def backward(grad):
        return (grad * xp.sign(x),)

    return record(xp.abs(x), (a,), backward, "abs")


def sin(a):
    """sin(a); d/da = cos(a)."""
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)

    def backward(grad):
        return (grad * xp.cos(x),)

    return record(xp.sin(x), (a,), backward, "sin")


def cos(a):
    """cos(a); d/da = -sin(a)."""
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)

    def backward(grad):
        return (grad * -xp.sin(x),)

    return record(xp.cos(x), (a,), backward, "cos")


def tanh(a):
    """The hyperbolic tangent, (e^a - e^-a) / (e^a + e^-a); d/da = 1 - tanh(a)²."""
    a = floating(a)
    out = backend.array_module(a.data).tanh(a.data)

    def backward(grad):
        return (grad * (1 - out * out),)

    return record(out, (a,), backward, "tanh")


def sigmoid(a):
    """The logistic function 1 / (1 + e^-a); d/da = σ(a)·(1 - σ(a)).

    Computed as (1 + tanh(a/2)) / 2, which never overflows, unlike 1 / (1 + e^-a).
    """
    a = floating(a)
    out = backend.array_module(a.data).tanh(a.data * 0.5)
    out += 1
    out *= 0.5

    def backward(grad):
        return (grad * out * (1 - out),)

    return record(out, (a,), backward, "sigmoid")


def relu(a):
    """max(a, 0); d/da = 1 where a > 0, else 0."""
    x = a.data

    def backward(grad):
        return (grad * (x > 0),)

    return record(backend.array_module(x).maximum(x, 0), (a,), backward, "relu")


def clip(a, min=None, max=None):
    """a limited to [min, max] (either may be None); the gradient passes where min <= a <= max."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    x = a.data
    xp = backend.array_module(x)
    out = xp.clip(x, min, max)

    def backward(grad):
        inside = True
        if min is not None:
            inside = x >= min
        if max is not None:
            inside = inside & (x <= max)
        return (grad * inside,)

    return record(out, (a,), backward, "clip")
