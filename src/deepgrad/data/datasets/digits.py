"""scikit-learn's bundled 8×8 handwritten digits: 1,797 small images, no download needed."""

import numpy as np

from deepgrad.data.datasets.splits import check_split
from deepgrad.optional import require


def load_digits(test_size=0.2, seed=0):
    """The 8×8 digits as `(x_train, y_train), (x_test, y_test)`, split with every class in proportion.

    x: float32 images of shape (n, 8, 8) with values in [0, 1] (the 0..16 grey levels divided by 16);
    y: int64 labels 0..9. `test_size` (0.2) is the fraction of the 1,797 images kept for testing;
    `seed` (0) fixes the split. Needs scikit-learn: pip install 'deepgrad[data]'.

        >>> (x_train, y_train), (x_test, y_test) = load_digits()
        >>> x_train.shape, x_test.shape, x_train.dtype, y_train.dtype
        ((1437, 8, 8), (360, 8, 8), dtype('float32'), dtype('int64'))
    """
    check_split("load_digits", "test_size", test_size, seed, "images")
    sklearn_datasets = require("sklearn.datasets", "data", "load_digits")
    model_selection = require("sklearn.model_selection", "data", "load_digits")
    digits = sklearn_datasets.load_digits()
    x = (digits.images / 16).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = model_selection.train_test_split(
        x, y, test_size=float(test_size), random_state=int(seed), stratify=y
    )
    return (x_train, y_train), (x_test, y_test)
