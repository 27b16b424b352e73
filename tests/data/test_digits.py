"""load_digits: scikit-learn's 8×8 digits, scaled to [0, 1], split with every class in proportion."""

import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_digits

import deepgrad as dg
from deepgrad.data.datasets import load_digits


def test_shapes_dtypes_and_sizes():
    (x_train, y_train), (x_test, y_test) = load_digits()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64


def test_pixels_are_the_grey_levels_divided_by_16():
    (x_train, _), (x_test, _) = load_digits()
    x = np.concatenate([x_train, x_test])
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(x * 16, np.round(x * 16))


def test_the_split_is_a_partition_of_the_1797_images_with_their_labels():
    (x_train, y_train), (x_test, y_test) = load_digits()
    digits = sklearn_digits()
    ours = np.concatenate([np.concatenate([x_train, x_test]).reshape(-1, 64) * 16,
                           np.concatenate([y_train, y_test])[:, None]], axis=1)
    theirs = np.concatenate([digits.data, digits.target[:, None]], axis=1)
    assert ours.shape == theirs.shape == (1797, 65)
    np.testing.assert_array_equal(ours[np.lexsort(ours.T)], theirs[np.lexsort(theirs.T)])


def test_the_split_is_stratified():
    digits = sklearn_digits()
    overall = np.bincount(digits.target) / len(digits.target)
    for test_size in (0.2, 0.5):
        (_, y_train), (_, y_test) = load_digits(test_size=test_size, seed=3)
        assert np.abs(np.bincount(y_test) - overall * len(y_test)).max() <= 1
        assert np.abs(np.bincount(y_train) - overall * len(y_train)).max() <= 1
        assert len(y_test) == int(np.ceil(1797 * test_size))


def test_the_seed_fixes_the_split():
    (a, _), _ = load_digits(seed=1)
    (b, _), _ = load_digits(seed=1)
    (c, _), _ = load_digits(seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("test_size", [0, 1, 1.5, -0.1, "0.2", True, None])
def test_a_bad_test_size_is_refused(test_size):
    with pytest.raises(ValueError, match=rf"test_size .* strictly between 0 and 1, got {test_size!r}"):
        load_digits(test_size=test_size)


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_a_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match=rf"seed must be a non-negative integer, got {seed!r}"):
        load_digits(seed=seed)


def test_without_scikit_learn_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    message = r"load_digits needs the optional module 'sklearn'.*deepgrad\[data\]"
    with pytest.raises(dg.MissingDependencyError, match=message):
        load_digits()
