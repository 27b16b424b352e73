"""Layers, by family."""

from deepgrad.nn.layers.activation import ELU, GELU, Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Swish, Tanh
from deepgrad.nn.layers.attention import MultiHeadAttention
from deepgrad.nn.layers.convolutional import Conv1D, Conv2D, Conv2DTranspose, UpSampling2D
from deepgrad.nn.layers.core import Dense, Dropout, Embedding, Flatten, Identity, Reshape
from deepgrad.nn.layers.normalization import BatchNorm, LayerNorm
from deepgrad.nn.layers.pooling import (
    AvgPool1D,
    AvgPool2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    MaxPool1D,
    MaxPool2D,
)
from deepgrad.nn.layers.position import PositionEmbedding, SinusoidalPositionEncoding, TokenAndPositionEmbedding
from deepgrad.nn.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from deepgrad.nn.layers.sequential import Sequential
from deepgrad.nn.layers.transformer import TransformerEncoder, TransformerEncoderLayer

__all__ = [
    "Activation", "ReLU", "Tanh", "Sigmoid", "Softmax", "Swish", "GELU", "LeakyReLU", "ELU",
    "Dense", "Dropout", "Embedding", "Flatten", "Identity", "Reshape",
    "BatchNorm", "LayerNorm", "Sequential",
    "Conv1D", "Conv2D", "Conv2DTranspose", "UpSampling2D", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    "MultiHeadAttention", "PositionEmbedding", "SinusoidalPositionEncoding", "TokenAndPositionEmbedding",
    "TransformerEncoderLayer", "TransformerEncoder",
]
