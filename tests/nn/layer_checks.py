"""What the layer tests share: a finite-difference check of a built layer in its input and weights."""

import numpy as np

import deepgrad as dg
from deepgrad import nn


def run_with_parameters(layer, call, x, params):
    """call(x) with the parameters of `layer` (and of its sublayers) replaced by the tensors `params`,
    in the order of layer.parameters(), and restored afterwards."""
    owners = []
    for _, module in layer.named_modules():
        owners += [(module, name) for name, value in module.__dict__.items() if isinstance(value, nn.Parameter)]
    saved = [getattr(module, name) for module, name in owners]
    try:
        for (module, name), value in zip(owners, params):
            object.__setattr__(module, name, value)
        return call(x)
    finally:
        for (module, name), value in zip(owners, saved):
            object.__setattr__(module, name, value)


def check_layer_gradients(layer, x, call=None, atol=1e-5):
    """Finite differences in float64 for the input x (an array) and every parameter of a built
    layer, through call(x) (by default layer(x)).

    The parameters are checked as C-ordered copies: check_gradients perturbs its inputs through
    reshape(-1), which copies (and so perturbs nothing) for Fortran-ordered arrays such as the
    orthogonal initialiser makes."""
    call = layer if call is None else call
    params = [dg.tensor(np.ascontiguousarray(p.numpy())) for p in layer.parameters()]
    assert dg.check_gradients(lambda x, *ps: run_with_parameters(layer, call, x, ps), dg.tensor(x), *params,
                              atol=atol)
