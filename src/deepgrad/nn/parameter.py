"""Parameters: the trainable tensors of a network (weights and biases)."""

from deepgrad.engine.tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as trainable; `requires_grad` is on by default.

        >>> w = nn.Parameter(dg.zeros((3, 2)))
        >>> w.requires_grad
        True
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data.data if isinstance(data, Tensor) else data, requires_grad)

    def __repr__(self):
        return "Parameter(" + super().__repr__()[len("tensor(") :]
