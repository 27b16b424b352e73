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

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "clip_grad_norm", "clip_grad_value",
           "schedules"]
