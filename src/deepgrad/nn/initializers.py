"""Initialisers: the starting values of weights, with Keras's formulas.

Each is a function `init(shape, dtype="float32")` that returns a host NumPy array (the layer
moves it to its device and wraps it in a Parameter), a class with settings (`GlorotUniform()`,
`RandomNormal(mean, stddev)`, `Orthogonal(gain)` ...), and a name for `get("he_normal")`.
Random values come from `deepgrad.engine.random.generator()`, so `dg.manual_seed` makes them
repeatable; a class given `seed=` draws the same values on every call instead, as in Keras.

Fans. The variance-scaling initialisers (Glorot, He, LeCun) divide by the number of inputs
(fan_in) or outputs (fan_out) of each unit, read from the shape in deepgrad's layouts:
- 1-D (n,): fan_in = fan_out = n.
- 2-D (in, out), the layout of a Dense weight (in, units): fan_in = in, fan_out = out.
- 3-D and more, conv kernels in PyTorch's layout (filters, in/groups, *kernel):
  fan_in = in/groups·prod(kernel), fan_out = filters·prod(kernel).
A 0-d shape counts as fan_in = fan_out = 1.

    >>> initializers.get("glorot_uniform")((784, 128)).shape
    (784, 128)
"""

import math
import operator

from deepgrad.engine import backend, dtypes
from deepgrad.engine.random import generator
from deepgrad.nn.configurable import Configurable
from deepgrad.nn.lookup import lookup

_np = backend.host_numpy()
# The standard deviation of a standard normal truncated to [-2, 2]: dividing by it gives the
# truncated draws the variance that was asked for (Keras's VarianceScaling does the same).
TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape):
    """(fan_in, fan_out) of a weight of `shape`, by the rules in the module docstring.

        >>> initializers.compute_fans((16, 3, 5, 5))
        (75, 400)
    """
    shape = _as_shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _as_shape(shape):
    """`shape` (an int or a sequence of ints) as a tuple of non-negative ints."""
    try:
        shape = (operator.index(shape),) if not hasattr(shape, "__len__") else tuple(map(operator.index, shape))
    except TypeError:
        raise TypeError(f"a shape must be an int or a tuple of ints, got {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"a shape cannot have negative sizes, got {shape}")
    return shape


def _truncated_standard_normal(rng, size):
    """`size` standard normal draws, each redrawn until it lies within 2 standard deviations."""
    out = _np.empty(size)
    filled = 0
    while filled < size:
        draw = rng.standard_normal(size - filled)
        kept = draw[_np.abs(draw) <= 2.0]
        out[filled : filled + kept.size] = kept
        filled += kept.size
    return out


# --- the classes ------------------------------------------------------------------------------
class Initializer(Configurable):
    """An initialiser: `init(shape, dtype="float32")` returns a host ndarray of that shape."""

    def __call__(self, shape, dtype="float32"):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(self, shape, dtype)")


class Constant(Initializer):
    """Every value equal to `value` (default 0.0): `Constant(0.1)((3,))` is [0.1, 0.1, 0.1]."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return _np.full(_as_shape(shape), self.value, dtype=dtypes.as_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    """All zeros (the default for biases): `Zeros()((3,))`."""

    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    """All ones (the default for BatchNorm's scale): `Ones()((3,))`."""

    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class _Random(Initializer):
    """An initialiser that draws random numbers, from deepgrad's generator or from its own seed."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, _np.integer)) or seed < 0):
            raise ValueError(f"seed must be None or a non-negative int, got {seed!r}")
        self.seed = seed

    def __call__(self, shape, dtype="float32"):
        shape, dtype = _as_shape(shape), dtypes.as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(
                f"{type(self).__name__} draws floating-point values, but dtype={dtype} was asked for; "
                f"use dtype='float32' (or 'float64')"
            )
        rng = generator() if self.seed is None else _np.random.default_rng(self.seed)
        return self.draw(rng, shape).astype(dtype)

    def draw(self, rng, shape):
        """The values, as a float64 array of `shape`."""
        raise NotImplementedError

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Random):
    """Draws from the normal distribution N(mean, stddev²); defaults mean=0.0, stddev=0.05.

        >>> RandomNormal(mean=0.0, stddev=0.05)((3, 4)).shape
        (3, 4)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def draw(self, rng, shape):
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """N(mean, stddev²) with every value beyond 2·stddev of the mean redrawn (Keras's form).

    Its actual standard deviation is about 0.88·stddev. `TruncatedNormal(0.0, 0.05)((3, 4))`.
    """

    def draw(self, rng, shape):
        return self.mean + self.stddev * _truncated_standard_normal(rng, math.prod(shape)).reshape(shape)


class RandomUniform(_Random):
    """Draws from the uniform distribution on [minval, maxval); defaults -0.05 and 0.05.

        >>> RandomUniform(minval=-0.05, maxval=0.05)((3, 4)).shape
        (3, 4)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        if not minval < maxval:
            raise ValueError(f"RandomUniform needs minval < maxval, got minval={minval!r}, maxval={maxval!r}")
        self.minval, self.maxval = minval, maxval

    def draw(self, rng, shape):
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(_Random):
    """Values with variance scale / n, with n the fan picked by `mode` (Keras's VarianceScaling).

    n = max(1, fan_in), max(1, fan_out) or max(1, (fan_in + fan_out) / 2) for mode "fan_in",
    "fan_out" or "fan_avg" (fans: see the module docstring). Then, by `distribution`:
    - "truncated_normal": N(0, stddev²) truncated at 2·stddev, stddev = sqrt(scale / n) / 0.8796...
      (so that the truncated values have variance scale / n);
    - "untruncated_normal": N(0, scale / n);
    - "uniform": uniform on [-limit, limit], limit = sqrt(3·scale / n).

        >>> VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform")((64, 32)).shape
        (64, 32)
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if not scale > 0:
            raise ValueError(f"VarianceScaling needs scale > 0, got {scale!r}")
        if mode not in self.MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {self.MODES}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {distribution!r}; use one of {self.DISTRIBUTIONS}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def variance(self, shape):
        """scale / n: the variance of the values drawn for `shape`."""
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, fan)

    def draw(self, rng, shape):
        variance = self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        stddev = math.sqrt(variance) / TRUNCATED_STDDEV
        return stddev * _truncated_standard_normal(rng, math.prod(shape)).reshape(shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _FixedVarianceScaling(VarianceScaling):
    """VarianceScaling with the settings of a named scheme; its only argument is the seed."""

    SETTINGS = (1.0, "fan_in", "truncated_normal")  # scale, mode, distribution

    def __init__(self, seed=None):
        super().__init__(*self.SETTINGS, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform on ±sqrt(6 / (fan_in + fan_out)); Keras's default for kernels. `GlorotUniform()((784, 128))`."""

    SETTINGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with variance 2 / (fan_in + fan_out). `GlorotNormal()((784, 128))`."""

    SETTINGS = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """Uniform on ±sqrt(6 / fan_in), for ReLU layers. `HeUniform()((784, 128))`."""

    SETTINGS = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """Truncated normal with variance 2 / fan_in, for ReLU layers. `HeNormal()((784, 128))`."""

    SETTINGS = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """Uniform on ±sqrt(3 / fan_in), for SELU layers. `LecunUniform()((784, 128))`."""

    SETTINGS = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with variance 1 / fan_in, for SELU layers. `LecunNormal()((784, 128))`."""

    SETTINGS = (1.0, "fan_in", "truncated_normal")


class Orthogonal(_Random):
    """A (semi-)orthogonal matrix times `gain` (default 1.0), as Keras and PyTorch make it.

    The shape is viewed as a matrix (shape[0], prod(shape[1:])) (for a conv kernel: one row per
    filter). A normal matrix of the taller orientation is QR-factorised, Q's columns are given the
    signs of R's diagonal (so that Q is uniformly distributed), and Q is transposed when the
    matrix is wide. Then WᵀW = gain²·I for tall and square W, and WWᵀ = gain²·I for wide W.

        >>> w = Orthogonal(gain=1.0)((4, 4))
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def draw(self, rng, shape):
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape with at least 2 dimensions, got {shape}; use another "
                f"initialiser (e.g. 'zeros') for biases and other vectors"
            )
        rows, cols = shape[0], math.prod(shape[1:])
        q, r = _np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q *= _np.sign(_np.diag(r))
        if rows < cols:
            q = q.T
        return _np.ascontiguousarray(self.gain * q.reshape(shape))  # C order, like every other weight

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


# --- the functions ----------------------------------------------------------------------------
def zeros(shape, dtype="float32"):
    """An array of zeros: `zeros((3,))`."""
    return Zeros()(shape, dtype)


def ones(shape, dtype="float32"):
    """An array of ones: `ones((3,))`."""
    return Ones()(shape, dtype)


def constant(shape, dtype="float32", value=0.0):
    """An array filled with `value`: `constant((3,), value=0.1)`."""
    return Constant(value)(shape, dtype)


def random_normal(shape, dtype="float32", mean=0.0, stddev=0.05):
    """Draws from N(mean, stddev²): `random_normal((3, 4), stddev=0.01)`."""
    return RandomNormal(mean, stddev)(shape, dtype)


def random_uniform(shape, dtype="float32", minval=-0.05, maxval=0.05):
    """Draws from the uniform distribution on [minval, maxval): `random_uniform((3, 4))`."""
    return RandomUniform(minval, maxval)(shape, dtype)


def truncated_normal(shape, dtype="float32", mean=0.0, stddev=0.05):
    """Draws from N(mean, stddev²), redrawing values beyond 2·stddev: `truncated_normal((3, 4))`."""
    return TruncatedNormal(mean, stddev)(shape, dtype)


def glorot_uniform(shape, dtype="float32"):
    """Uniform on ±sqrt(6 / (fan_in + fan_out)): `glorot_uniform((784, 128))`."""
    return GlorotUniform()(shape, dtype)


def glorot_normal(shape, dtype="float32"):
    """Truncated normal with variance 2 / (fan_in + fan_out): `glorot_normal((784, 128))`."""
    return GlorotNormal()(shape, dtype)


def he_uniform(shape, dtype="float32"):
    """Uniform on ±sqrt(6 / fan_in): `he_uniform((784, 128))`."""
    return HeUniform()(shape, dtype)


def he_normal(shape, dtype="float32"):
    """Truncated normal with variance 2 / fan_in: `he_normal((784, 128))`."""
    return HeNormal()(shape, dtype)


def lecun_uniform(shape, dtype="float32"):
    """Uniform on ±sqrt(3 / fan_in): `lecun_uniform((784, 128))`."""
    return LecunUniform()(shape, dtype)


def lecun_normal(shape, dtype="float32"):
    """Truncated normal with variance 1 / fan_in: `lecun_normal((784, 128))`."""
    return LecunNormal()(shape, dtype)


def orthogonal(shape, dtype="float32", gain=1.0):
    """A (semi-)orthogonal matrix times `gain`: `orthogonal((128, 512))`."""
    return Orthogonal(gain)(shape, dtype)


normal = random_normal
uniform = random_uniform

# --- by name ----------------------------------------------------------------------------------
ALL = {
    function.__name__: function
    for function in (
        glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal,
        random_normal, random_uniform, truncated_normal, zeros, ones, constant,
    )
}
ALL.update(normal=normal, uniform=uniform)
CLASSES = {
    cls.__name__: cls
    for cls in (
        GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
        RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros, Ones, Constant,
    )
}


def get(identifier):
    """The initialiser for a name, a class name, a config dict or a callable (returned as is).

    Names are those in `ALL` ("glorot_uniform", "he_normal", "zeros", ...) and give the
    function; class names ("GlorotUniform") give an instance with default settings;
    `{"class_name": "RandomNormal", "config": {"stddev": 0.01}}` gives `RandomNormal(stddev=0.01)`.
    None gives None, as in Keras.

        >>> initializers.get("he_normal") is initializers.he_normal
        True
    """
    hint = "a class name such as 'GlorotUniform', or a callable (shape, dtype) -> array"
    return lookup(identifier, "initializer", ALL, CLASSES, Initializer, hint)


__all__ = [*ALL, *CLASSES, "Initializer", "compute_fans", "get", "TRUNCATED_STDDEV"]
