"""Small synthetic datasets for teaching: spirals, moons, XOR and a noisy sine, each seeded.

Each `make_*` returns `(x, y)` ndarrays with float32 `x` of shape (n_samples, features). The
classification sets have int64 labels 0/1 of shape (n_samples,), in shuffled order; for a one-logit
binary cross-entropy model use `y.reshape(-1, 1).astype("float32")`.
"""

import math
import numbers

import numpy as np


def make_spirals(n_samples=1000, noise=0.2, turns=1.5, seed=0):
    """Two interleaved spiral arms in the plane: label 0 for one arm, 1 for the other.

    A point at angle a (drawn so the points spread evenly along the arm, a = sqrt(u)·2π·turns)
    sits at radius a/π; arm 1 is arm 0 turned by half a turn. Adjacent arms lie 1 apart; each
    coordinate gets Gaussian noise of standard deviation noise/π.

        >>> x, y = make_spirals(n_samples=6, seed=0)
        >>> x.shape, x.dtype, sorted(y.tolist())
        ((6, 2), dtype('float32'), [0, 0, 0, 1, 1, 1])
    """
    rng = _start("make_spirals", n_samples, noise, seed)
    _check_positive("make_spirals", "turns", turns)
    y = _labels(n_samples)
    angle = np.sqrt(rng.uniform(0, 1, n_samples)) * 2 * math.pi * turns
    arm = np.stack([angle * np.cos(angle), angle * np.sin(angle)], axis=1) / math.pi
    x = np.where(y[:, None] == 0, arm, -arm) + rng.normal(0, noise / math.pi, (n_samples, 2))
    return _shuffled(rng, x, y)


def make_moons(n_samples=1000, noise=0.1, seed=0):
    """Two interleaving half circles (scikit-learn's moons): the upper one is label 0.

    The upper moon is (cos t, sin t), the lower one (1 - cos t, 0.5 - sin t), for t evenly spaced
    in [0, π]; each coordinate gets Gaussian noise of standard deviation `noise`.

        >>> x, y = make_moons(n_samples=4, noise=0.0)
        >>> sorted(map(tuple, x.round(3).tolist()))
        [(-1.0, 0.0), (0.0, 0.5), (1.0, 0.0), (2.0, 0.5)]
    """
    rng = _start("make_moons", n_samples, noise, seed)
    y = _labels(n_samples)
    upper, lower = np.linspace(0, math.pi, int((y == 0).sum())), np.linspace(0, math.pi, int((y == 1).sum()))
    x = np.concatenate([
        np.stack([np.cos(upper), np.sin(upper)], axis=1),
        np.stack([1 - np.cos(lower), 0.5 - np.sin(lower)], axis=1),
    ]) + rng.normal(0, noise, (n_samples, 2))
    return _shuffled(rng, x, y)


def make_xor(n_samples=1000, noise=0.2, seed=0):
    """The XOR problem: blobs around the four corners (±1, ±1); label 1 where the signs differ.

    Each point is a corner plus Gaussian noise of standard deviation `noise`; with noise=0 the
    points are the four classic XOR inputs. No straight line separates the two labels.

        >>> x, y = make_xor(n_samples=8, noise=0.0)
        >>> sorted(set(zip(x[:, 0].tolist(), x[:, 1].tolist(), y.tolist())))
        [(-1.0, -1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, 0)]
    """
    rng = _start("make_xor", n_samples, noise, seed)
    corners = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=np.float64)
    corner = np.arange(n_samples) % 4
    x = corners[corner] + rng.normal(0, noise, (n_samples, 2))
    y = (corner >= 2).astype(np.int64)
    return _shuffled(rng, x, y)


def make_sine(n_samples=1000, noise=0.1, seed=0):
    """Regression: x uniform in [-π, π], y = sin(x) plus Gaussian noise of standard deviation `noise`.

    Both are float32 of shape (n_samples, 1), ready for a 1-in, 1-out network.

        >>> x, y = make_sine(n_samples=5, noise=0.0)
        >>> bool(abs(y - np.sin(x)).max() < 1e-6), x.shape, y.dtype
        (True, (5, 1), dtype('float32'))
    """
    rng = _start("make_sine", n_samples, noise, seed)
    x = rng.uniform(-math.pi, math.pi, (n_samples, 1))
    y = np.sin(x) + rng.normal(0, noise, (n_samples, 1))
    return x.astype(np.float32), y.astype(np.float32)


def _start(maker, n_samples, noise, seed):
    """Check the common arguments; the seeded generator the set is drawn from."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"{maker}'s n_samples must be a positive integer, got {n_samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"{maker}'s noise is a standard deviation and must be a number >= 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{maker}'s seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_positive(maker, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{maker}'s {name} must be a positive number, got {value!r}")


def _labels(n_samples):
    """Labels for two classes, n_samples // 2 zeros then ones (an odd sample goes to class 1, as in scikit-learn)."""
    return (np.arange(n_samples) >= n_samples // 2).astype(np.int64)


def _shuffled(rng, x, y):
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order]
