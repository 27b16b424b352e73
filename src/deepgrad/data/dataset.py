"""Datasets: anything with `len(dataset)` and `dataset[i]`, and one that holds arrays in memory."""

import numpy as np

from deepgrad.engine.tensor import Tensor


class Dataset:
    """The base of every dataset: define `__len__` (the number of samples) and `__getitem__(i)`.

    `dataset[i]` returns one sample, usually a tuple such as `(x, y)` of arrays or numbers; a
    `DataLoader` stacks the samples of a mini-batch field by field.

        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return float(i), i * i
        >>> Squares()[3]
        (3.0, 9)
    """

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__() returning the number of samples")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) returning one sample")


class TensorDataset(Dataset):
    """Samples held as arrays (or Tensors) in memory, one row of each array per sample.

    `TensorDataset(x, y)` pairs the rows of `x` and `y`; indexing with an int, a slice or an
    array of indices returns a tuple with one NumPy array per input array (a 1-tuple for one array,
    as in PyTorch). Tensors are stored as host arrays; the `DataLoader` makes tensors again.

        >>> import numpy as np
        >>> data = TensorDataset(np.zeros((100, 784)), np.arange(100))
        >>> len(data), data[3][1].item(), data[[0, 5]][0].shape
        (100, 3, (2, 784))
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array, e.g. TensorDataset(x_train, y_train)")
        self.arrays = tuple(_host_array(array, position) for position, array in enumerate(arrays))
        lengths = [len(array) for array in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(
                f"TensorDataset needs arrays with the same number of samples (first dimension), got lengths "
                f"{', '.join(map(str, lengths))}; every array needs one row per sample"
            )

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(array[index] for array in self.arrays)

    def __repr__(self):
        shapes = ", ".join(f"{array.shape} {array.dtype}" for array in self.arrays)
        return f"TensorDataset({shapes})"


def _host_array(data, position):
    """`data` (an ndarray, a Tensor or nested lists) as a host ndarray with at least one dimension."""
    array = data.numpy() if isinstance(data, Tensor) else np.asarray(data)
    if array.ndim == 0:
        raise ValueError(
            f"TensorDataset's array {position} is a single number ({array!r}); each array needs a first "
            f"dimension that counts the samples"
        )
    return array
