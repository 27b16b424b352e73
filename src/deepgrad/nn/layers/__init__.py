"""Layers, by family."""

from deepgrad.nn.layers.activation import ELU, GELU, Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Swish, Tanh
from deepgrad.nn.layers.core import Dense, Dropout, Embedding, Flatten, Identity, Reshape
from deepgrad.nn.layers.normalization import BatchNorm, LayerNorm
from deepgrad.nn.layers.sequential import Sequential

__all__ = [
    "Activation", "ReLU", "Tanh", "Sigmoid", "Softmax", "Swish", "GELU", "LeakyReLU", "ELU",
    "Dense", "Dropout", "Embedding", "Flatten", "Identity", "Reshape",
    "BatchNorm", "LayerNorm", "Sequential",
]
