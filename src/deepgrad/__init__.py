"""deepgrad: deep learning from first principles, on NumPy (CPU) and CuPy (GPU).

    >>> import deepgrad as dg
    >>> w = dg.tensor([[0.5, -1.0]], requires_grad=True)
    >>> loss = ((w @ dg.tensor([[2.0], [1.0]])) ** 2).sum()
    >>> loss.backward()
    >>> w.grad.tolist()
    [[0.0, 0.0]]
"""

from deepgrad import callbacks, data, metrics, nn, optim, saving, vision
from deepgrad.engine import *  # noqa: F403  (the engine's public names are deepgrad's)
from deepgrad.engine import __all__ as _engine_names
from deepgrad.saving import load, save

__version__ = "0.1.0"
__all__ = [*_engine_names, "nn", "optim", "data", "callbacks", "metrics", "saving", "save", "load", "vision"]
