"""Optimizers: the update rules that turn gradients into better parameters, PyTorch's maths.

    >>> import deepgrad as dg
    >>> from deepgrad import optim
    >>> w = dg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w * w).sum()
    ...     loss.backward()
    ...     opt.step()
    >>> [round(x, 4) for x in w.tolist()]
    [0.512, -1.024]

Also here: gradient clipping (`clip_grad_norm`, `clip_grad_value`) and learning-rate schedules
(`optim.schedules`).
"""

from deepgrad.optim import schedules
from deepgrad.optim.adagrad import Adagrad
from deepgrad.optim.adam import Adam, AdamW
from deepgrad.optim.clipping import clip_grad_norm, clip_grad_value
from deepgrad.optim.optimizer import Optimizer
from deepgrad.optim.rmsprop import RMSprop
from deepgrad.optim.sgd import SGD

BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier):
    """An optimizer from a name ("adam", "sgd", ...; default settings, parameters given later) or
    an Optimizer instance (returned as it is), as `model.compile(optimizer=...)` takes them."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in BY_NAME:
        return BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r}; use one of {sorted(BY_NAME)} or an optimizer instance")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "clip_grad_norm", "clip_grad_value",
           "schedules", "get"]
