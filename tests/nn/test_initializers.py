"""Initialisers: shapes and dtypes, Keras's statistics on large samples, truncation at 2 standard
deviations, orthogonality, seeding, fans (against PyTorch's for conv kernels), and names.

The statistical checks use 200,000+ draws from a fixed seed: the sample standard deviation is
then within 0.5% of the true one, so a 3% tolerance passes a correct scale and fails every
wrong one here (the nearest wrong scale, an untruncated normal, is 12% off).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad.nn import initializers

RANDOM = [
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "orthogonal", "random_normal", "random_uniform", "truncated_normal", "normal", "uniform",
]
P_WITHIN_1_OF_2 = math.erf(1 / math.sqrt(2)) / math.erf(2 / math.sqrt(2))  # 0.7152: N(0,1) | |z| <= 2


def sample(name, shape, seed=0):
    dg.manual_seed(seed)
    return initializers.get(name)(shape, dtype="float64")


# --- shapes and dtypes --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (5, 7), (7, 5), (4, 3, 3), (6, 2, 3, 3)])
@pytest.mark.parametrize("name", sorted(initializers.ALL))
def test_shape_and_dtype(name, shape):
    if name == "orthogonal" and len(shape) < 2:
        pytest.raises(ValueError, initializers.orthogonal, shape)
        return
    values = initializers.ALL[name](shape)
    assert isinstance(values, np.ndarray) and values.shape == shape and values.dtype == np.float32
    assert initializers.ALL[name](shape, dtype="float64").dtype == np.float64
    assert np.isfinite(values).all()


def test_an_int_shape_means_a_vector():
    assert initializers.glorot_uniform(4).shape == (4,)
    assert initializers.zeros(3).tolist() == [0.0, 0.0, 0.0]


def test_constant_initialisers_fill_exactly():
    assert (initializers.zeros((2, 3)) == 0).all() and (initializers.ones((2, 3)) == 1).all()
    assert (initializers.constant((2, 3), value=0.25) == np.float32(0.25)).all()
    assert initializers.zeros((2,), dtype="int64").dtype == np.int64


# --- statistics ---------------------------------------------------------------------------------
SCHEMES = [  # name, scale, mode, distribution (Keras's VarianceScaling settings)
    ("glorot_uniform", 1.0, "fan_avg", "uniform"),
    ("glorot_normal", 1.0, "fan_avg", "truncated_normal"),
    ("he_uniform", 2.0, "fan_in", "uniform"),
    ("he_normal", 2.0, "fan_in", "truncated_normal"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("lecun_normal", 1.0, "fan_in", "truncated_normal"),
]


def check_truncated(values, mean, stddev_before_truncation):
    """Within mean ± 2σ, with the shape of a truncated normal (not clipped, not uniform)."""
    deviation = np.abs(values - mean) / stddev_before_truncation
    assert deviation.max() <= 2 * (1 + 1e-6)
    assert deviation.max() > 1.98  # the tails are there up to the cut
    assert np.mean(deviation > 2 - 1e-9) < 1e-3  # no pile-up at the cut, as clipping would make
    assert abs(np.mean(deviation <= 1) - P_WITHIN_1_OF_2) < 0.01


def check_uniform(values, low, high):
    assert values.min() >= low and values.max() <= high
    assert values.min() < low + 0.01 * (high - low) and values.max() > high - 0.01 * (high - low)
    quarter = np.mean(values < low + (high - low) / 4)
    assert abs(quarter - 0.25) < 0.01


@pytest.mark.parametrize("shape", [(300, 800), (128, 64, 3, 3)])
@pytest.mark.parametrize("name, scale, mode, distribution", SCHEMES, ids=[s[0] for s in SCHEMES])
def test_variance_scaling_statistics_match_keras(name, scale, mode, distribution, shape):
    fan_in, fan_out = initializers.compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    stddev = math.sqrt(scale / fan)  # Keras keeps this variance for both distributions
    values = sample(name, shape)
    assert abs(values.std() / stddev - 1) < 0.03
    assert abs(values.mean()) < 5 * stddev / math.sqrt(values.size)
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / fan)
        check_uniform(values, -limit, limit)
    else:
        check_truncated(values, 0.0, stddev / 0.87962566103423978)


def test_the_truncation_constant_is_the_stddev_of_a_normal_truncated_at_2():
    # Var(z | -2 <= z <= 2) = 1 - 2·2·φ(2) / (Φ(2) - Φ(-2)) for the standard normal density φ
    density_at_2 = math.exp(-2) / math.sqrt(2 * math.pi)
    variance = 1 - 4 * density_at_2 / math.erf(2 / math.sqrt(2))
    assert math.sqrt(variance) == pytest.approx(initializers.TRUNCATED_STDDEV, rel=1e-15)


def test_random_normal_uses_its_mean_and_stddev():
    values = initializers.random_normal((500, 500), dtype="float64", mean=1.0, stddev=2.0)
    assert abs(values.mean() - 1.0) < 5 * 2.0 / 500
    assert abs(values.std() / 2.0 - 1) < 0.03
    assert abs(initializers.normal((500, 500)).std() / 0.05 - 1) < 0.03  # Keras's default stddev


def test_random_uniform_uses_its_bounds():
    values = initializers.random_uniform((500, 500), dtype="float64", minval=-1.0, maxval=3.0)
    check_uniform(values, -1.0, 3.0)
    assert abs(values.std() / (4 / math.sqrt(12)) - 1) < 0.03
    check_uniform(initializers.uniform((500, 500)), np.float32(-0.05), np.float32(0.05))  # Keras's default bounds


def test_truncated_normal_cuts_at_2_stddev_around_its_mean():
    values = initializers.truncated_normal((500, 500), dtype="float64", mean=0.5, stddev=0.1)
    check_truncated(values, 0.5, 0.1)
    assert abs(values.std() / (0.1 * initializers.TRUNCATED_STDDEV) - 1) < 0.03


@pytest.mark.parametrize("mode, fan", [("fan_in", 300), ("fan_out", 800), ("fan_avg", 550)])
def test_variance_scaling_modes(mode, fan):
    init = initializers.VarianceScaling(scale=3.0, mode=mode, distribution="untruncated_normal", seed=1)
    values = init((300, 800), dtype="float64")
    assert abs(values.std() / math.sqrt(3.0 / fan) - 1) < 0.03
    assert np.abs(values).max() > 4 * math.sqrt(3.0 / fan)  # untruncated: tails beyond 2σ remain


# --- orthogonal ---------------------------------------------------------------------------------
@pytest.mark.parametrize("gain", [1.0, 2.5])
@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (30, 30), (16, 4, 3, 3), (64, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape, gain):
    for dtype, tolerance in (("float64", 1e-12), ("float32", 1e-5)):
        w = initializers.orthogonal(shape, dtype=dtype, gain=gain).reshape(shape[0], -1)
        gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
        np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=tolerance * gain**2)
    assert not np.allclose(initializers.orthogonal(shape), initializers.orthogonal(shape))


def test_orthogonal_columns_are_uniformly_signed():
    # With R's diagonal signs copied into Q, Q is uniformly distributed; each entry is then
    # positive half of the time (without the correction, LAPACK's Q[0, 0] is nearly always one sign).
    firsts = np.array([initializers.Orthogonal(seed=seed)((4, 4))[0, 0] for seed in range(400)])
    assert 0.4 < np.mean(firsts > 0) < 0.6


# --- seeding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", RANDOM)
def test_manual_seed_makes_draws_repeatable(name):
    first = sample(name, (6, 5), seed=11)
    assert np.array_equal(first, sample(name, (6, 5), seed=11))
    assert not np.array_equal(first, sample(name, (6, 5), seed=12))
    assert not np.array_equal(first, initializers.get(name)((6, 5), dtype="float64"))  # the stream moves on


@pytest.mark.parametrize("cls", [initializers.GlorotUniform, initializers.HeNormal, initializers.Orthogonal,
                                 initializers.RandomNormal, initializers.RandomUniform])
def test_a_seeded_class_draws_the_same_values_on_every_call(cls):
    dg.manual_seed(0)
    first = cls(seed=5)((8, 4))
    dg.manual_seed(1)
    assert np.array_equal(first, cls(seed=5)((8, 4)))
    init = cls(seed=5)
    assert np.array_equal(init((8, 4)), init((8, 4)))
    assert not np.array_equal(first, cls(seed=6)((8, 4)))


# --- fans ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
    ((16, 3, 5), (15, 80)), ((16, 3, 5, 5), (75, 400)), ((8, 4, 2, 3, 3), (72, 144)),
])
def test_compute_fans(shape, fans):
    assert initializers.compute_fans(shape) == fans


@given(st.lists(st.integers(1, 6), min_size=2, max_size=5).map(tuple))
def test_fans_match_pytorch_for_its_layouts(shape):
    torch_fans = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    if len(shape) == 2:  # PyTorch's Linear weight is (out, in); deepgrad's Dense weight is (in, out)
        torch_fans = torch_fans[::-1]
    assert initializers.compute_fans(shape) == tuple(torch_fans)


def test_conv_kernel_bounds_match_pytorch_xavier_and_kaiming():
    shape = (32, 16, 5, 5)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    xavier = math.sqrt(6 / (fan_in + fan_out))  # torch.nn.init.xavier_uniform_'s bound
    kaiming = torch.nn.init.calculate_gain("relu") * math.sqrt(3 / fan_in)  # kaiming_uniform_'s bound
    for name, bound in (("glorot_uniform", xavier), ("he_uniform", kaiming)):
        values = sample(name, shape)
        assert bound * 0.99 < np.abs(values).max() <= bound


# --- names, classes and configs -----------------------------------------------------------------
def test_get_by_name_class_name_config_and_callable():
    assert initializers.get("glorot_uniform") is initializers.glorot_uniform
    assert initializers.get("normal") is initializers.random_normal
    assert initializers.get("uniform") is initializers.random_uniform
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    made = initializers.get({"class_name": "RandomNormal", "config": {"stddev": 0.01}})
    assert made.get_config() == {"mean": 0.0, "stddev": 0.01, "seed": None}

    def custom(shape, dtype="float32"):
        return np.full(shape, 3.0, dtype)

    assert initializers.get(custom) is custom
    instance = initializers.Orthogonal(gain=2.0)
    assert initializers.get(instance) is instance
    assert initializers.get(None) is None


@pytest.mark.parametrize("identifier", ["xavier_uniform", "Glorot", 3, {"class_name": "Nope"}])
def test_get_of_an_unknown_initializer_lists_the_valid_names(identifier):
    with pytest.raises(ValueError, match=r"unknown initializer .*'glorot_uniform'.*'he_normal'.*'zeros'"):
        initializers.get(identifier)


@pytest.mark.parametrize("cls, config", [
    (initializers.GlorotUniform, {"seed": 3}), (initializers.GlorotNormal, {"seed": None}),
    (initializers.HeUniform, {"seed": 1}), (initializers.HeNormal, {"seed": None}),
    (initializers.LecunUniform, {"seed": 2}), (initializers.LecunNormal, {"seed": None}),
    (initializers.Orthogonal, {"gain": 2.0, "seed": 4}),
    (initializers.RandomNormal, {"mean": 1.0, "stddev": 0.2, "seed": None}),
    (initializers.RandomUniform, {"minval": -1.0, "maxval": 2.0, "seed": 7}),
    (initializers.TruncatedNormal, {"mean": 0.0, "stddev": 0.3, "seed": 9}),
    (initializers.VarianceScaling, {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": None}),
    (initializers.Constant, {"value": 0.5}), (initializers.Zeros, {}), (initializers.Ones, {}),
])
def test_get_config_round_trip(cls, config):
    init = cls(**config)
    assert init.get_config() == config
    again = initializers.get({"class_name": cls.__name__, "config": init.get_config()})
    assert type(again) is cls and again.get_config() == config
    if config.get("seed") is not None:  # same settings and seed: the same values
        assert np.array_equal(init((5, 4)), again((5, 4)))


def test_class_defaults_are_keras_defaults():
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert initializers.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None,
    }
    glorot = initializers.GlorotUniform()
    assert (glorot.scale, glorot.mode, glorot.distribution) == (1.0, "fan_avg", "uniform")


# --- errors -------------------------------------------------------------------------------------
def test_orthogonal_needs_a_matrix():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got \(5,\); use another initialiser"):
        initializers.orthogonal((5,))


def test_random_initialisers_need_a_floating_dtype():
    with pytest.raises(TypeError, match="draws floating-point values, but dtype=int64.*use dtype='float32'"):
        initializers.glorot_uniform((3, 3), dtype="int64")


@pytest.mark.parametrize("make, message", [
    (lambda: initializers.RandomUniform(minval=1.0, maxval=0.0), "needs minval < maxval"),
    (lambda: initializers.VarianceScaling(mode="fan_sum"), r"unknown mode 'fan_sum'; use one of .*'fan_avg'"),
    (lambda: initializers.VarianceScaling(distribution="normal"), r"unknown distribution 'normal'; use one of"),
    (lambda: initializers.VarianceScaling(scale=0.0), "needs scale > 0"),
    (lambda: initializers.GlorotUniform(seed=-1), "seed must be None or a non-negative int"),
    (lambda: initializers.zeros((2, -1)), r"negative sizes, got \(2, -1\)"),
])
def test_bad_settings_are_refused_with_the_fix(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_shape_of_floats_is_refused():
    with pytest.raises(TypeError, match=r"a shape must be an int or a tuple of ints, got \(2\.0, 3\)"):
        initializers.he_normal((2.0, 3))


def test_orthogonal_weights_are_c_contiguous_like_the_others():
    assert initializers.orthogonal((4, 16)).flags.c_contiguous
