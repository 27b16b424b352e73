"""Activation functions: what each neuron passes on, by name or as a function.

The tutorial's six:
- "tanh": tanh(x) = (eˣ - e⁻ˣ)/(eˣ + e⁻ˣ), in (-1, 1). Zero-centred; the classic choice inside
  recurrent networks.
- "relu": max(x, 0). The default for hidden layers: cheap, and its gradient does not vanish
  for positive inputs.
- "sigmoid": 1/(1 + e⁻ˣ), in (0, 1). For an output that is a probability (binary labels).
- "linear": x itself. For regression outputs, and for logits fed to a loss with from_logits=True.
- "softmax": eˣⁱ/Σⱼeˣʲ over the last axis; the outputs are positive and sum to 1. For the output
  of a classifier over several classes.
- "swish": x·sigmoid(x). A smooth ReLU that often trains deeper networks a little better.

Also "gelu", "leaky_relu", "elu", "selu", "softplus" and "log_softmax".

    >>> activations.get("relu")(dg.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""

import math

from deepgrad.engine import ops

tanh = ops.tanh
relu = ops.relu
sigmoid = ops.sigmoid
softplus = ops.softplus


def linear(x):
    """The identity, f(x) = x (the tutorial's "Linear" activation)."""
    return x


def softmax(x, axis=-1):
    """eˣ/Σeˣ over `axis` (computed stably)."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)), computed as x - logsumexp(x)."""
    return ops.log_softmax(x, axis=axis)


def swish(x):
    """x·sigmoid(x) (also called SiLU)."""
    return x * ops.sigmoid(x)


def gelu(x, approximate=False):
    """x·Φ(x) with Φ the standard normal CDF: 0.5·x·(1 + erf(x/√2)); with `approximate`, the
    tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    if approximate:  # 0.5·(1 + tanh(u)) = sigmoid(2u), which keeps its precision for negative x
        return x * ops.sigmoid(math.sqrt(8 / math.pi) * (x + 0.044715 * x * x * x))
    return 0.5 * x * (1 + ops.erf(x * (1 / math.sqrt(2))))


def leaky_relu(x, alpha=0.3):
    """x for x > 0, alpha·x otherwise (Keras's default alpha is 0.3, PyTorch's 0.01)."""
    return ops.where(x.data > 0, x, x * alpha)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(eˣ - 1) otherwise."""
    negative = alpha * (ops.exp(ops.clip(x, max=0)) - 1)  # clip: e^x of the unused side cannot overflow
    return ops.where(x.data > 0, x, negative)


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def selu(x):
    """scale·elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


ALL = {
    "tanh": tanh,
    "relu": relu,
    "sigmoid": sigmoid,
    "linear": linear,
    "softmax": softmax,
    "swish": swish,
    "gelu": gelu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "log_softmax": log_softmax,
}


def get(activation):
    """The activation function for a name, a callable (returned as is) or None ("linear")."""
    if activation is None:
        return linear
    if callable(activation):
        return activation
    if isinstance(activation, str) and activation.lower() in ALL:
        return ALL[activation.lower()]
    raise ValueError(f"unknown activation {activation!r}; use one of {sorted(ALL)} or a callable")


def name_of(activation):
    """The name under which `activation` is known, or None for a custom callable."""
    for name, function in ALL.items():
        if function is activation:
            return name
    return None
