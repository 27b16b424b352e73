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


def logistic(x):
    """1 / (1 + e^-x) on an array. For x < -88, e^-x overflows float32 to inf and the result
    is 0, which is right to float32's precision; the tanh form (1 + tanh(x/2)) / 2 would be
    faster but loses all relative precision for x < -10."""
    xp = backend.array_module(x)
    out = xp.negative(x, out=xp.empty_like(x))  # one buffer, updated in place (0-d included)
    with backend.errstate(over="ignore"):
        xp.exp(out, out=out)
    out += 1
    return xp.reciprocal(out, out=out)


def sigmoid(a):
    """The logistic function 1 / (1 + e^-a); d/da = σ(a)·(1 - σ(a))."""
    a = floating(a)
    out = logistic(a.data)

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


def softplus(a):
    """log(1 + e^a), computed as max(a, 0) + log(1 + e^-|a|) so it never overflows; d/da = σ(a)."""
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)
    out = xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(grad):
        return (grad * logistic(x),)

    return record(out, (a,), backward, "softplus")


# erfc(z) ≈ t·exp(-z² + P(t)) with t = 1/(1 + z/2), z >= 0 (Numerical Recipes' erfcc, a Chebyshev
# fit): relative error below 1.2e-7 for all z, so erf is exact to float32's precision, and the
# tail 1 - erf keeps its relative accuracy (what GELU needs for negative inputs).
_ERFC_COEFFICIENTS = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
                      -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erf(a):
    """The error function (2/√π)∫₀ᵃ e^(-t²) dt, to float32's precision; d/da = (2/√π)·e^(-a²).

    NumPy has no erf, so it is computed from the Chebyshev fit of erfc above.
    """
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)
    z = xp.abs(x)
    t = 1 / (1 + 0.5 * z)
    poly = t * 0
    for coefficient in reversed(_ERFC_COEFFICIENTS):
        poly = coefficient + t * poly
    out = xp.sign(x) * (1 - t * xp.exp(poly - z * z))

    def backward(grad):
        return (grad * (1.1283791670955126 * xp.exp(-x * x)),)

    return record(out.astype(x.dtype, copy=False), (a,), backward, "erf")
