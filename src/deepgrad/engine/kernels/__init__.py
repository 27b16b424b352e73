"""Compiled kernels: Numba versions of the loops that NumPy can only run as several passes over
memory on one core (max-pool's window scan, col2im's window sums, conv's bias + ReLU, the
recurrent layers' time steps).

Each kernel replaces the NumPy code of one op on the CPU and nothing else: the op keeps its NumPy
version, which is what runs on CuPy arrays, without Numba, or after `use_compiled(False)`, and the
tests check the two against each other. Numba is optional (`pip install 'deepgrad[fast]'`); it is
imported the first time an op asks for it, so `import deepgrad` stays quick: an op imports its
kernel module (which imports Numba) only after `ready()` said yes. Kernels are compiled on their
first call and cached on disk (`cache=True`). They run on one core, as plain loops: on this
2-core machine, loops spread over both (`prange`) saved little when it was idle, and cost 10-25x
when another process held one core (the first thread waits for the other), or when Numba's
threads kept spinning and took a core from the matrix products that follow (OpenBLAS's threads).

    >>> from deepgrad.engine import kernels
    >>> with kernels.use_compiled(False):  # the NumPy reference path
    ...     y = dg.nn.MaxPool2D(2)(dg.randn(1, 1, 4, 4))
"""

import contextlib
import importlib

import numpy

_switched_on = True
_numba = None  # the module, once imported; False when it is not installed


def numba():
    """The numba module, or None when it is not installed (imported once, on first use)."""
    global _numba
    if _numba is None:
        try:
            _numba = importlib.import_module("numba")
        except ImportError:
            _numba = False
    return _numba or None


def ready(*arrays):
    """True when a compiled kernel may run on `arrays`: NumPy arrays, Numba installed, kernels on."""
    return _switched_on and all(type(a) is numpy.ndarray for a in arrays) and numba() is not None


@contextlib.contextmanager
def use_compiled(on):
    """Switch the compiled kernels on or off inside a `with` block (the tests use both paths)."""
    global _switched_on
    before, _switched_on = _switched_on, bool(on)
    try:
        yield
    finally:
        _switched_on = before

