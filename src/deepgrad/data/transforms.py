"""Image augmentation on batches of NumPy images (N, C, H, W), and two ways to train with it.

Each transform is a callable `transform(images) -> images` that works on a whole batch at once and
draws its randomness from deepgrad's generator, so `dg.manual_seed` makes it repeatable.
`AugmentedDataset(x, y, transform)` transforms the samples a DataLoader fetches (one at a time);
`TransformLoader(loader, transform)` transforms each whole batch of a DataLoader, the fast way.

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> augment = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), Normalize([0.5] * 3, [0.25] * 3)])
    >>> _ = dg.manual_seed(0)
    >>> augment(np.zeros((8, 3, 32, 32), dtype=np.float32)).shape
    (8, 3, 32, 32)
"""

import numpy as np

from deepgrad.data.dataset import Dataset, TensorDataset
from deepgrad.data.loader import DataLoader
from deepgrad.engine import dtypes, random
from deepgrad.engine.tensor import Tensor


def _check_batch(name, images):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"{name} works on a batch of images of shape (N, C, H, W), got shape {images.shape}; "
                         f"for one image use image[None]")
    return images


class RandomCrop:
    """Pad every image with `padding` zeros on each side, then cut a `size` window at a random place,
    drawn per image.

    `size` is an int (square) or (height, width). With padding p the window's top-left corner is
    uniform over the (H + 2p - height + 1) × (W + 2p - width + 1) places.

        >>> RandomCrop(2, padding=1)(np.ones((3, 1, 4, 4))).shape
        (3, 1, 2, 2)
    """

    def __init__(self, size, padding=0):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2 or any(not isinstance(s, int) or s <= 0 for s in self.size):
            raise ValueError(f"RandomCrop's size must be a positive int or (height, width), got {size!r}")
        if not isinstance(padding, int) or padding < 0:
            raise ValueError(f"RandomCrop's padding must be a non-negative int, got {padding!r}")
        self.padding = padding

    def __call__(self, images):
        images = _check_batch("RandomCrop", images)
        p, (height, width) = self.padding, self.size
        padded = np.pad(images, ((0, 0), (0, 0), (p, p), (p, p))) if p else images
        n, _, h, w = padded.shape
        if height > h or width > w:
            raise ValueError(f"RandomCrop of size {self.size} is larger than the padded images ({h}, {w})")
        rng = random.generator()
        tops = rng.integers(0, h - height + 1, size=n)
        lefts = rng.integers(0, w - width + 1, size=n)
        # One fancy index cuts every window: rows[i] and cols[i] are image i's window coordinates.
        rows = (tops[:, None] + np.arange(height))[:, None, :, None]
        cols = (lefts[:, None] + np.arange(width))[:, None, None, :]
        return padded[np.arange(n)[:, None, None, None], np.arange(padded.shape[1])[None, :, None, None], rows, cols]

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror each image left to right (along its width) with probability `p` (0.5), drawn per image.

        >>> RandomHorizontalFlip(p=1.0)(np.arange(3.0).reshape(1, 1, 1, 3)).tolist()
        [[[[2.0, 1.0, 0.0]]]]
    """

    def __init__(self, p=0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip's p must be a probability in [0, 1], got {p!r}")
        self.p = p

    def __call__(self, images):
        images = _check_batch("RandomHorizontalFlip", images)
        flip = random.generator().random(len(images)) < self.p
        return np.where(flip[:, None, None, None], images[..., ::-1], images)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class Normalize:
    """Per channel: (image - mean[c]) / std[c]; the dtype of the images is kept.

        >>> Normalize([1.0, 2.0], [2.0, 4.0])(np.full((1, 2, 1, 1), 3.0)).ravel().tolist()
        [1.0, 0.25]
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if self.mean.shape != self.std.shape:
            raise ValueError(f"Normalize needs one mean and one std per channel, got {self.mean.size} means and "
                             f"{self.std.size} stds")
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize's std must be positive, got {self.std.tolist()}")

    def __call__(self, images):
        images = _check_batch("Normalize", images)
        if images.shape[1] != self.mean.size:
            raise ValueError(f"Normalize has {self.mean.size} channels' mean and std but the images have "
                             f"{images.shape[1]} channels (shape {images.shape})")
        shape = (1, -1, 1, 1)
        dtype = images.dtype if np.issubdtype(images.dtype, np.floating) else np.float32
        return ((images - self.mean.reshape(shape)) / self.std.reshape(shape)).astype(dtype)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Compose:
    """Apply `transforms` in order: `Compose([RandomCrop(28, 2), Normalize([0.5], [0.5])])`.

        >>> Compose([RandomHorizontalFlip(1.0), RandomHorizontalFlip(1.0)])(np.eye(2)[None, None]).tolist()
        [[[[1.0, 0.0], [0.0, 1.0]]]]
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for transform in self.transforms:
            if not callable(transform):
                raise TypeError(f"Compose takes callables images -> images, got {transform!r}")

    def __call__(self, images):
        for transform in self.transforms:
            images = transform(images)
        return images

    def __repr__(self):
        return f"Compose({self.transforms!r})"


class AugmentedDataset(Dataset):
    """Images `x` and labels `y` whose images go through `transform` every time they are fetched.

    `dataset[index_array]` transforms the whole batch at once; `dataset[i]` transforms one image
    (as a batch of one). A DataLoader fetches custom datasets one sample at a time, so for speed
    prefer `TransformLoader`; this one suits `model.fit(dataset)`.

        >>> data = AugmentedDataset(np.ones((4, 1, 2, 2)), np.arange(4), RandomHorizontalFlip())
        >>> data[[0, 1]][0].shape, data[3][1].item()
        ((2, 1, 2, 2), 3)
    """

    def __init__(self, x, y, transform):
        self.data = TensorDataset(x, y)
        if not callable(transform):
            raise TypeError(f"AugmentedDataset's transform must be a callable images -> images, got {transform!r}")
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        x, y = self.data[index]
        if np.ndim(index) == 0 and not isinstance(index, slice):
            return self.transform(x[None])[0], y
        return self.transform(x), y


class TransformLoader(DataLoader):
    """A DataLoader like `loader` (same dataset, batch size, shuffling) whose batches' first field
    (the images) goes through `transform`, one whole batch at a time. Pass it to `model.fit`.

        >>> from deepgrad.data import TensorDataset
        >>> base = DataLoader(TensorDataset(np.ones((5, 1, 2, 2)), np.arange(5)), batch_size=2)
        >>> [tuple(x.shape) for x, _ in TransformLoader(base, Normalize([1.0], [2.0]))]
        [(2, 1, 2, 2), (2, 1, 2, 2), (1, 1, 2, 2)]
    """

    def __init__(self, loader, transform):
        if not isinstance(loader, DataLoader):
            raise TypeError(f"TransformLoader wraps a DataLoader, got {type(loader).__name__}")
        if not callable(transform):
            raise TypeError(f"TransformLoader's transform must be a callable images -> images, got {transform!r}")
        super().__init__(loader.dataset, loader.batch_size, loader.shuffle, loader.drop_last, loader.seed)
        self.transform = transform

    def __iter__(self):
        for x, *rest in super().__iter__():
            yield (Tensor(dtypes.to_array(self.transform(x.numpy()))), *rest)
