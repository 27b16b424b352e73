"""The ops of the engine, and the table that makes them Tensor methods and operators.

Each module holds a family of primitives, each with its backward beside its forward:
arithmetic (+ - * / ** and friends), elementwise (exp, tanh, relu...), reduction (sum, max...),
softmax (logsumexp, softmax, log_softmax), shape (reshape, transpose...), joining
(concatenate, stack, split, pad), indexing (t[...]), linalg (matmul) and attention
(attention_weights).
"""

from deepgrad.engine.ops import inplace
from deepgrad.engine.ops.arithmetic import (
    add,
    astype,
    div,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    maximum,
    minimum,
    mul,
    neg,
    not_equal,
    pow,
    sub,
    to,
    where,
)
from deepgrad.engine.ops.attention import attention_weights
from deepgrad.engine.ops.convolution import conv, conv_transpose
from deepgrad.engine.ops.elementwise import abs, clip, cos, erf, exp, log, relu, sigmoid, sin, softplus, sqrt, tanh
from deepgrad.engine.ops.indexing import getitem
from deepgrad.engine.ops.joining import concatenate, pad, split, stack
from deepgrad.engine.ops.linalg import matmul
from deepgrad.engine.ops.pooling import avg_pool, global_avg_pool, global_max_pool, max_pool
from deepgrad.engine.ops.recurrent import gru, lstm, simple_rnn
from deepgrad.engine.ops.reduction import argmax, argmin, max, mean, min, std, sum, var
from deepgrad.engine.ops.shape import broadcast_to, expand_dims, flatten, reshape, squeeze, swapaxes, transpose
from deepgrad.engine.ops.softmax import log_softmax, logsumexp, softmax
from deepgrad.engine.tensor import Tensor

_METHODS = {
    # operators
    "__add__": add,
    "__radd__": lambda self, other: add(other, self),
    "__sub__": sub,
    "__rsub__": lambda self, other: sub(other, self),
    "__mul__": mul,
    "__rmul__": lambda self, other: mul(other, self),
    "__truediv__": div,
    "__rtruediv__": lambda self, other: div(other, self),
    "__pow__": pow,
    "__rpow__": lambda self, other: pow(other, self),
    "__matmul__": matmul,
    "__rmatmul__": lambda self, other: matmul(other, self),
    "__neg__": neg,
    "__abs__": abs,
    "__eq__": equal,
    "__ne__": not_equal,
    "__lt__": less,
    "__le__": less_equal,
    "__gt__": greater,
    "__ge__": greater_equal,
    "__getitem__": getitem,
    "__setitem__": inplace.setitem,
    "__iadd__": inplace.iadd,
    "__isub__": inplace.isub,
    "__imul__": inplace.imul,
    "__itruediv__": inplace.itruediv,
    # math
    "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "sin": sin, "cos": cos,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "clip": clip, "softplus": softplus, "erf": erf,
    "maximum": maximum, "minimum": minimum, "matmul": matmul,
    # reductions
    "sum": sum, "mean": mean, "var": var, "std": std, "max": max, "min": min,
    "argmax": argmax, "argmin": argmin,
    "logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax,
    # shapes, types and devices
    "reshape": reshape, "transpose": transpose, "swapaxes": swapaxes, "expand_dims": expand_dims,
    "squeeze": squeeze, "flatten": flatten, "broadcast_to": broadcast_to,
    "astype": astype, "to": to,
}

for _name, _function in _METHODS.items():
    setattr(Tensor, _name, _function)
Tensor.T = property(transpose, doc="The tensor with its axes reversed.")

__all__ = [
    "add", "sub", "mul", "div", "pow", "neg", "maximum", "minimum", "where", "astype", "to",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "clip", "softplus", "erf",
    "sum", "mean", "var", "std", "max", "min", "argmax", "argmin", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "swapaxes", "expand_dims", "squeeze", "flatten", "broadcast_to",
    "concatenate", "stack", "split", "pad", "getitem", "matmul",
    "conv", "conv_transpose", "max_pool", "avg_pool", "global_avg_pool", "global_max_pool",
    "lstm", "gru", "simple_rnn", "attention_weights",
]
