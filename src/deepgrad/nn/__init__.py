"""Neural networks: modules, layers, activation functions, initialisers and losses."""

from deepgrad.nn import activations, initializers, losses
from deepgrad.nn.layers import *  # noqa: F403
from deepgrad.nn.layers import __all__ as _layer_names
from deepgrad.nn.module import Module, deserialize
from deepgrad.nn.parameter import Parameter

__all__ = ["Module", "Parameter", "deserialize", "activations", "initializers", "losses", *_layer_names]
