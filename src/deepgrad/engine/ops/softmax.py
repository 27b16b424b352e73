"""logsumexp, softmax and log_softmax: stable, by subtracting the maximum first.

log Σ e^x = m + log Σ e^(x - m) with m = max(x): no term overflows, and the largest is e^0 = 1,
so the sum never underflows to 0 either. All three take `axis=-1` by default.
"""

from deepgrad.engine import backend
from deepgrad.engine.autograd import record
from deepgrad.engine.ops.elementwise import floating
from deepgrad.engine.ops.reduction import kept_shape, normalize_axes


def _stable_max(x, axes):
    """max over `axes`, with -inf rows (all -inf) taken as 0 so that x - m stays defined."""
    xp = backend.array_module(x)
    m = x.max(axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0) if x.dtype.kind == "f" else m


def logsumexp(a, axis=-1, keepdims=False):
    """log Σ exp(a) over `axis`; d/da = softmax(a)."""
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)
    axes = normalize_axes(axis, x.ndim)
    m = _stable_max(x, axes)
    with backend.errstate(divide="ignore"):  # log(0) = -inf is the right answer for all -inf
        kept = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m

    def backward(grad):
        return (grad.reshape(kept_shape(x.shape, axes)) * xp.exp(x - kept),)

    out = kept if keepdims else kept.reshape([n for i, n in enumerate(kept.shape) if i not in axes])
    return record(out, (a,), backward, "logsumexp")


def softmax(a, axis=-1):
    """exp(a) / Σ exp(a) over `axis`; backward: s·(g - Σ g·s)."""
    a = floating(a)
    x = a.data
    axes = normalize_axes(axis, x.ndim)
    out = backend.array_module(x).exp(x - _stable_max(x, axes))
    out /= out.sum(axis=axes, keepdims=True)

    def backward(grad):
        return (out * (grad - (grad * out).sum(axis=axes, keepdims=True)),)

    return record(out, (a,), backward, "softmax")


def log_softmax(a, axis=-1):
    """a - logsumexp(a) over `axis`; backward: g - softmax(a)·Σ g."""
    a = floating(a)
    x = a.data
    xp = backend.array_module(x)
    axes = normalize_axes(axis, x.ndim)
    shifted = x - _stable_max(x, axes)
    out = shifted - xp.log(xp.exp(shifted).sum(axis=axes, keepdims=True))

    def backward(grad):
        return (grad - xp.exp(out) * grad.sum(axis=axes, keepdims=True),)

    return record(out, (a,), backward, "log_softmax")
