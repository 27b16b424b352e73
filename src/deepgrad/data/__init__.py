"""Data: datasets, and loaders that cut them into shuffled mini-batches of tensors.

A `Dataset` answers `len(dataset)` and `dataset[i]`; a `DataLoader` walks it in mini-batches of
`batch_size` samples, one epoch per `for` loop. `deepgrad.data.datasets` loads the classic
datasets (MNIST, Fashion-MNIST, scikit-learn's digits, BBC News, the sunspot numbers) and makes
small synthetic ones; `deepgrad.data.text.TextVectorization` turns text into token ids.

    >>> import numpy as np
    >>> from deepgrad.data import DataLoader, TensorDataset
    >>> x, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    >>> for x_batch, y_batch in DataLoader(TensorDataset(x, y), batch_size=2):
    ...     print(x_batch.shape, x_batch.dtype, y_batch.tolist())
    (2, 2) float32 [0, 1]
    (2, 2) float32 [0, 1]
    (1, 2) float32 [1]
"""

from deepgrad.data import datasets, text, transforms
from deepgrad.data.dataset import Dataset, TensorDataset
from deepgrad.data.loader import DataLoader

__all__ = ["Dataset", "TensorDataset", "DataLoader", "datasets", "text", "transforms"]
