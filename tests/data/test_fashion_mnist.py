"""The real Fashion-MNIST, read with no arguments from Debian's dataset-fashion-mnist package.

CI installs it with `apt-get install dataset-fashion-mnist`; the files lie in
/usr/share/datasets/fashion-mnist. The cache is moved to an empty folder and the network replaced
by a fake that fails, so the data can only come from the package.
"""

import numpy as np
import pytest

from deepgrad.data.datasets import download, load_fashion_mnist, mnist

DEBIAN = "/usr/share/datasets/fashion-mnist"


@pytest.fixture(scope="module")
def fashion(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.delenv("DEEPGRAD_FASHION_MNIST_DIR", raising=False)
    patch.setenv("DEEPGRAD_CACHE_DIR", str(tmp_path_factory.mktemp("empty-cache")))

    def offline(url, file):
        raise AssertionError(f"the test tried to download {url}")

    patch.setattr(download, "fetch_url", offline)
    try:
        assert str(mnist.locate(mnist.FASHION_MNIST)) == DEBIAN
        yield load_fashion_mnist()
    finally:
        patch.undo()


def test_shapes_and_dtypes_are_keras(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


def test_labels_are_ten_balanced_classes(fashion):
    (_, y_train), (_, y_test) = fashion
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_the_values_are_those_of_the_published_dataset(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # the first image is an ankle boot
    assert y_test[:5].tolist() == [9, 2, 1, 1, 6]
    assert x_train.min() == 0 and x_train.max() == 255
    assert abs(x_train.mean() / 255 - 0.2860) < 5e-4  # the mean used to normalise Fashion-MNIST


def test_the_debian_files_are_the_four_gzipped_idx_files():
    assert sorted(p.name for p in mnist.Path(DEBIAN).iterdir()) == sorted(mnist.FILES)
