"""Turning what `fit`, `evaluate` and `predict` are given into batches."""

from deepgrad.engine import backend
from deepgrad.engine.tensor import Tensor


def as_host_array(value):
    """A NumPy array from an ndarray, a Tensor or nested lists."""
    if isinstance(value, Tensor):
        return value.numpy()
    return backend.host_numpy().asarray(value)


def make_loader(x, y=None, batch_size=32, shuffle=False):
    """A DataLoader over (x, y) arrays or Tensors, a Dataset, or a DataLoader (used as it is)."""
    from deepgrad.data import DataLoader, Dataset, TensorDataset

    if isinstance(x, DataLoader):
        _no_labels_with(x, y, "a DataLoader")
        return x
    if isinstance(x, Dataset):
        _no_labels_with(x, y, "a Dataset")
        return DataLoader(x, batch_size=batch_size, shuffle=shuffle)
    arrays = [as_host_array(x)] + ([] if y is None else [as_host_array(y)])
    if y is not None and len(arrays[0]) != len(arrays[1]):
        raise ValueError(
            f"x has {len(arrays[0])} samples but y has {len(arrays[1])}; give one label for each sample"
        )
    return DataLoader(TensorDataset(*arrays), batch_size=batch_size, shuffle=shuffle)


def _no_labels_with(x, y, what):
    if y is not None:
        raise ValueError(f"y must be left out when x is {what}: its batches already hold the labels")


def split_for_validation(x, y, fraction):
    """Keras's validation_split: the last `fraction` of the samples, taken before any shuffling."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction!r}")
    if y is None or not hasattr(as_host_array(x), "shape"):
        raise ValueError("validation_split needs x and y as arrays or tensors; pass validation_data otherwise")
    x, y = as_host_array(x), as_host_array(y)
    cut = int(len(x) * (1 - fraction))
    if cut == 0 or cut == len(x):
        raise ValueError(f"validation_split={fraction} leaves no samples on one side of {len(x)} samples")
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def unpack(batch):
    """(x, y) from a loader's batch: a tuple (x,) or (x, y)."""
    if isinstance(batch, Tensor):
        return batch, None
    if len(batch) == 1:
        return batch[0], None
    if len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(f"a batch must be (x,) or (x, y), got {len(batch)} items")
