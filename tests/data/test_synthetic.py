"""The synthetic teaching sets: shapes, labels, geometry, and seeds that repeat."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_moons as sklearn_moons

from deepgrad.data.datasets import make_moons, make_sine, make_spirals, make_xor

CLASSIFIERS = [make_spirals, make_moons, make_xor]
MAKERS = [*CLASSIFIERS, make_sine]


@pytest.mark.parametrize("make", CLASSIFIERS)
@pytest.mark.parametrize("n", [1, 7, 400])
def test_classification_sets_have_float32_points_and_int64_labels(make, n):
    x, y = make(n_samples=n)
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y, minlength=2).tolist() == ([n // 2, n - n // 2] if make is not make_xor
                                                    else [(n + 1) // 4 + (n + 3) // 4, n // 4 + (n + 2) // 4])


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_the_labels_come_shuffled(make):
    _, y = make(n_samples=200)
    assert not np.array_equal(y, np.sort(y))


@pytest.mark.parametrize("make", MAKERS)
def test_a_seed_repeats_the_set_and_another_seed_changes_it(make):
    a, b, c = make(n_samples=50, seed=1), make(n_samples=50, seed=1), make(n_samples=50, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_spiral_points_lie_on_their_arm_without_noise():
    x, y = make_spirals(n_samples=500, noise=0.0, turns=1.5)
    radius = np.hypot(x[:, 0], x[:, 1])
    angle = math.pi * radius  # a point at angle a sits at radius a / π
    sign = np.where(y == 0, 1.0, -1.0)  # arm 1 is arm 0 turned by half a turn
    np.testing.assert_allclose(x[:, 0], sign * radius * np.cos(angle), atol=1e-5)
    np.testing.assert_allclose(x[:, 1], sign * radius * np.sin(angle), atol=1e-5)
    assert 2.9 < radius.max() <= 3.0  # 1.5 turns reach radius 2 · 1.5


def test_turns_sets_how_far_the_spirals_wind():
    x, _ = make_spirals(n_samples=500, noise=0.0, turns=3)
    assert 5.8 < np.hypot(x[:, 0], x[:, 1]).max() <= 6.0


def test_spiral_noise_has_standard_deviation_noise_over_pi():
    # noise=0 still draws the noise, so the same seed gives the same angles, labels and order
    clean, y_clean = make_spirals(n_samples=5000, noise=0.0, seed=4)
    noisy, y_noisy = make_spirals(n_samples=5000, noise=0.3, seed=4)
    np.testing.assert_array_equal(y_clean, y_noisy)
    assert abs((noisy - clean).std() - 0.3 / math.pi) < 0.002
    assert abs((noisy - clean).mean()) < 0.003


def test_moons_without_noise_are_scikit_learns_moons():
    x, y = make_moons(n_samples=100, noise=0.0)
    expected_x, expected_y = sklearn_moons(n_samples=100, noise=0.0, shuffle=False)
    ours, theirs = np.column_stack([x, y]), np.column_stack([expected_x, expected_y])
    by_label_then_x = [np.lexsort((points[:, 0], points[:, 2])) for points in (ours, theirs)]
    np.testing.assert_allclose(ours[by_label_then_x[0]], theirs[by_label_then_x[1]], atol=1e-6)


def test_moon_noise_has_the_requested_standard_deviation():
    clean, y_clean = make_moons(n_samples=5000, noise=0.0, seed=4)
    noisy, y_noisy = make_moons(n_samples=5000, noise=0.1, seed=4)
    np.testing.assert_array_equal(y_clean, y_noisy)
    assert abs((noisy - clean).std() - 0.1) < 0.003


def test_xor_without_noise_is_the_four_classic_points():
    x, y = make_xor(n_samples=100, noise=0.0)
    assert set(map(tuple, x.tolist())) == {(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)}
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64))


def test_xor_noise_spreads_the_points_around_their_corner():
    x, y = make_xor(n_samples=8000, noise=0.2, seed=0)
    offset = x - np.sign(x)  # each point's nearest corner is its own at this noise level
    assert abs(offset.std() - 0.2) < 0.01
    assert (y == (np.sign(x[:, 0]) != np.sign(x[:, 1]))).mean() > 0.99


def test_sine_is_sin_x_plus_noise():
    x, y = make_sine(n_samples=5000, noise=0.1)
    assert x.shape == y.shape == (5000, 1) and x.dtype == y.dtype == np.float32
    assert x.min() >= -math.pi and x.max() <= math.pi
    assert abs(np.std(y - np.sin(x)) - 0.1) < 0.005
    clean_x, clean_y = make_sine(n_samples=100, noise=0.0)
    np.testing.assert_allclose(clean_y, np.sin(clean_x), atol=1e-6)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("arguments,message", [
    ({"n_samples": 0}, r"n_samples must be a positive integer, got 0"),
    ({"n_samples": 10.0}, r"n_samples must be a positive integer, got 10.0"),
    ({"noise": -0.1}, r"noise is a standard deviation and must be a number >= 0, got -0.1"),
    ({"noise": float("nan")}, r"noise is a standard deviation and must be a number >= 0, got nan"),
    ({"seed": -3}, r"seed must be a non-negative integer, got -3"),
])
def test_bad_arguments_are_refused_naming_the_maker_and_the_value(make, arguments, message):
    with pytest.raises(ValueError, match=rf"{make.__name__}'s {message}"):
        make(**arguments)


def test_spirals_need_a_positive_number_of_turns():
    with pytest.raises(ValueError, match=r"make_spirals's turns must be a positive number, got 0"):
        make_spirals(turns=0)
