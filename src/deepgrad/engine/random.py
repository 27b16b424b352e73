"""The framework's one source of randomness, reseeded by `dg.manual_seed`.

Initialisers, dropout, shuffling and the random constructors all draw from `generator()`, so
one seed makes a whole run repeatable. Numbers are drawn on the host and then moved to the
device, so a seed gives the same numbers on the CPU and the GPU.
"""

import numpy as np

_state = {"generator": np.random.default_rng()}


def manual_seed(seed):
    """Seed every random source of deepgrad; returns the seed.

        >>> dg.manual_seed(0)
        0
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed needs a non-negative integer, got {seed!r}")
    _state["generator"] = np.random.default_rng(int(seed))
    return int(seed)


def generator():
    """The NumPy Generator that deepgrad draws from."""
    return _state["generator"]


def get_state():
    """The generator's state as plain data (a dict of ints and strings), for checkpoints."""
    return _state["generator"].bit_generator.state


def set_state(state):
    """Put the generator back in a state from `get_state()`, so a resumed run draws the same numbers."""
    generator = np.random.default_rng()
    generator.bit_generator.state = state
    _state["generator"] = generator
