"""The DataLoader: a dataset cut into mini-batches of tensors, reshuffled every epoch."""

import math
import numbers

import numpy as np

from deepgrad.data.dataset import TensorDataset
from deepgrad.engine import dtypes, random
from deepgrad.engine.tensor import Tensor


class DataLoader:
    """Mini-batches of `dataset`: each `for` loop over the loader is one epoch.

    Every batch is a tuple of tensors, one per field of a sample (`(x_batch, y_batch)` for a
    `TensorDataset(x, y)`, `(x_batch,)` for a `TensorDataset(x)`), made by `dg.tensor`'s rules:
    float64 becomes float32, integers keep their type. Each epoch visits every sample exactly once.

    Arguments:
        dataset: a `Dataset` (or anything with `__len__` and `__getitem__`); an ndarray or Tensor
            is wrapped in a `TensorDataset`.
        batch_size (32): samples per batch; the last batch of an epoch may be smaller.
        shuffle (False): visit the samples in a new random order every epoch.
        drop_last (False): leave out the last batch of an epoch when it is smaller than `batch_size`.
        seed (None): shuffle with `numpy.random.default_rng(seed)`, owned by this loader; when
            None, shuffle with deepgrad's generator, so `dg.manual_seed` makes the order repeatable.

        >>> import numpy as np
        >>> from deepgrad.data import TensorDataset
        >>> loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4, shuffle=True, seed=0)
        >>> len(loader), [batch.tolist() for (batch,) in loader]
        (3, [[4, 6, 2, 7], [3, 5, 9, 0], [8, 1]])
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, drop_last=False, seed=None):
        if isinstance(dataset, (np.ndarray, Tensor)):
            dataset = TensorDataset(dataset)
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader needs a dataset with __len__ and __getitem__, got {type(dataset).__name__}; "
                f"wrap arrays in deepgrad.data.TensorDataset(x, y)"
            )
        _check_int("batch_size", batch_size, minimum=1)
        _check_bool("shuffle", shuffle)
        _check_bool("drop_last", drop_last)
        if seed is not None:
            _check_int("seed", seed, minimum=0)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        """The number of batches in an epoch."""
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        # The order is drawn here, when the epoch starts, not at the first next(): an epoch's order
        # then depends only on the generator's state when the loop began.
        count = len(self.dataset)
        if self.shuffle:
            order = (self._rng or random.generator()).permutation(count)
        else:
            order = np.arange(count)
        return self._batches(order)

    def _batches(self, order):
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        fetch = self._fetch_rows if _indexes_by_array(self.dataset) else self._fetch_samples
        for start in range(0, stop, self.batch_size):
            yield tuple(_to_tensor(field) for field in fetch(order[start : start + self.batch_size]))

    def _fetch_rows(self, indices):
        """A TensorDataset gives a whole batch with one fancy index per array, no loop over samples."""
        return self.dataset[indices]

    def _fetch_samples(self, indices):
        return collate([self.dataset[int(i)] for i in indices])

    def __repr__(self):
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


def collate(samples):
    """Stack a list of samples field by field: [(x0, y0), (x1, y1)] -> (stack of x, stack of y).

    A sample that is not a tuple or list counts as a sample with one field.

        >>> [field.tolist() for field in collate([(1.5, 0), (2.5, 1)])]
        [[1.5, 2.5], [0, 1]]
    """
    samples = [tuple(sample) if isinstance(sample, (tuple, list)) else (sample,) for sample in samples]
    width = len(samples[0])
    for position, sample in enumerate(samples):
        if len(sample) != width:
            raise ValueError(
                f"samples of one batch must have the same number of fields, but sample {position} of the batch has "
                f"{len(sample)} and the first has {width}; make __getitem__ always return the same tuple"
            )
    fields = []
    for field in range(width):
        values = [np.asarray(sample[field]) for sample in samples]
        shapes = {value.shape for value in values}
        if len(shapes) > 1:
            raise ValueError(
                f"cannot stack field {field} of a batch: its samples have different shapes {sorted(shapes)}; "
                f"pad or resize them to one shape in the dataset's __getitem__"
            )
        fields.append(np.stack(values))
    return tuple(fields)


def _indexes_by_array(dataset):
    """True when `dataset[index_array]` returns a whole batch: a TensorDataset that keeps its own indexing."""
    return isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__


def _to_tensor(array):
    # A batch is a fresh array (fancy indexing and stacking copy), so it is wrapped without a second copy.
    return Tensor(dtypes.to_array(array))


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive integer" if minimum == 1 else "a non-negative integer"
        raise ValueError(f"DataLoader's {name} must be {kind}, got {value!r}")


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"DataLoader's {name} must be True or False, got {value!r}")
