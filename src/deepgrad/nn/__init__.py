"""Neural networks: modules, layers, activation functions, initialisers and losses."""

from deepgrad.nn.parameter import Parameter

__all__ = ["Parameter"]
