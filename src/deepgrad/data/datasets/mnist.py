"""MNIST and Fashion-MNIST: 28×28 grey images of 10 classes, 60,000 for training and 10,000 for testing.

Each loader looks for the four IDX files (`.gz` or unpacked) in this order, and takes the first
folder that holds all four:

1. the `path` argument (when given, the files must be there);
2. the folder named by `DEEPGRAD_MNIST_DIR` / `DEEPGRAD_FASHION_MNIST_DIR`;
3. (Fashion-MNIST) `/usr/share/datasets/fashion-mnist`, from `apt-get install dataset-fashion-mnist`;
4. the cache, `~/.cache/deepgrad/datasets/<name>/` (moved by `DEEPGRAD_CACHE_DIR`);

and otherwise downloads the missing files into the cache, checking their published SHA-256.

    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    >>> x_train.shape, x_train.dtype, y_test.shape, y_test.dtype
    ((60000, 28, 28), dtype('uint8'), (10000,), dtype('uint8'))
"""

import os
from dataclasses import dataclass
from pathlib import Path

from deepgrad.data.datasets import download as _download
from deepgrad.data.datasets.errors import ChecksumError, DatasetNotFoundError, IDXFormatError
from deepgrad.data.datasets.idx import read_idx

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")


@dataclass(frozen=True)
class Source:
    """Where one MNIST-style dataset lives: its cache name, env var, system folders, mirrors and checksums."""

    name: str
    title: str
    env_var: str
    system_dirs: tuple
    mirrors: tuple
    sha256: dict
    apt_package: str = ""


# SHA-256 of the published .gz files at these URLs, from TensorFlow Datasets' url_checksums/mnist.txt
# (torchvision checks the same files by MD5: f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
MNIST = Source(
    name="mnist",
    title="MNIST",
    env_var="DEEPGRAD_MNIST_DIR",
    system_dirs=(),
    mirrors=("https://storage.googleapis.com/cvdf-datasets/mnist/",),
    sha256={
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
)

# SHA-256 from TensorFlow Datasets' url_checksums/fashion_mnist.txt; the MD5s in the Fashion-MNIST README
# (8d4fb7e6..., 25c81989..., bef4ecab..., bb300cfd...) are of the same files. Debian's package holds
# recompressed files (no file name in the gzip header), whose .gz bytes differ from these: checksums
# are checked on download only, and every file, wherever found, is checked by the IDX parser.
FASHION_MNIST = Source(
    name="fashion-mnist",
    title="Fashion-MNIST",
    env_var="DEEPGRAD_FASHION_MNIST_DIR",
    system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
    mirrors=("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
             "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
    sha256={
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
    apt_package="dataset-fashion-mnist",
)


def load_mnist(path=None):
    """The MNIST handwritten digits as `(x_train, y_train), (x_test, y_test)`, as Keras returns them.

    x: uint8 images of shape (60000, 28, 28) and (10000, 28, 28), values 0..255; y: uint8 labels
    0..9. `path` (None): a folder holding the four IDX files; see this module for where else it looks.
    Typical use: `(x_train, y_train), (x_test, y_test) = load_mnist()`, then `x_train / 255`.
    """
    return load_idx_dataset(MNIST, path)


def load_fashion_mnist(path=None):
    """Zalando's Fashion-MNIST (10 kinds of clothing) as `(x_train, y_train), (x_test, y_test)`.

    Shapes and dtypes as `load_mnist`; labels 0..9 are T-shirt/top, Trouser, Pullover, Dress, Coat,
    Sandal, Shirt, Sneaker, Bag, Ankle boot.

        >>> (x_train, y_train), _ = load_fashion_mnist()
        >>> int(y_train.max()), int((y_train == 0).sum())
        (9, 6000)
    """
    return load_idx_dataset(FASHION_MNIST, path)


def load_idx_dataset(source, path=None):
    """The four IDX files of `source` (found or downloaded by `locate`) as Keras-style train and test pairs."""
    folder = locate(source, path)
    x_train, y_train, x_test, y_test = (read_idx(_find(folder, name), ndim=3 if "images" in name else 1)
                                        for name in FILES)
    for x, y, images, labels in ((x_train, y_train, *FILES[:2]), (x_test, y_test, *FILES[2:])):
        if len(x) != len(y):
            raise IDXFormatError(
                f"{folder}: {images} holds {len(x)} images but {labels} holds {len(y)} labels; one of them is "
                f"from another dataset or corrupt: delete both and get them again"
            )
    return (x_train, y_train), (x_test, y_test)


def locate(source, path=None):
    """The folder that holds all four files of `source`, downloading them into the cache if need be."""
    if path is not None:
        folder = Path(path).expanduser()
        missing = _missing(folder)
        if missing:
            raise DatasetNotFoundError(
                f"{source.title}: the folder {folder} has no {', '.join(missing)}; pass the folder that holds "
                f"the four files, or leave path out to use the cache. {_how_to_get(source)}"
            )
        return folder
    places = _places(source)
    for folder, _ in places:
        if folder is not None and not _missing(folder):
            return folder
    cache = places[-1][0]
    for name in _missing(cache):
        failures = _download_one(source, name, cache)
        if failures:
            raise DatasetNotFoundError(_not_found_message(source, places, name, failures)) from failures[-1][1]
    return cache


def _places(source):
    """(folder, why it is searched) in lookup order, the cache last; the folder is None for an unset variable."""
    variable = os.environ.get(source.env_var)
    places = [(Path(variable).expanduser() if variable else None, source.env_var)]
    places += [(folder, f"the apt package {source.apt_package}") for folder in source.system_dirs]
    places.append((_download.cache_dir(source.name), "the cache; DEEPGRAD_CACHE_DIR moves it"))
    return places


def _find(folder, name):
    """The file `name` (`x.gz`) in `folder`, compressed or unpacked (`x`), or None."""
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _missing(folder):
    return [name for name in FILES if _find(folder, name) is None]


def _download_one(source, name, cache):
    """Download `name` into `cache` from the first mirror that works; returns the failures, [] on success."""
    failures = []
    for mirror in source.mirrors:
        try:
            _download.download(mirror + name, cache / name, source.sha256[name])
            return []
        except (OSError, ChecksumError) as error:  # offline, HTTP errors, timeouts, a corrupt download
            failures.append((mirror + name, error))
    return failures


def _not_found_message(source, places, name, failures):
    looked = "\n".join(f"  - {folder} ({why})" if folder else f"  - {why} (not set)" for folder, why in places)
    tried = "\n".join(f"  - {url}: {error}" for url, error in failures)
    return (
        f"{source.title} was not found and could not be downloaded.\nLooked for {', '.join(FILES)} in:\n{looked}\n"
        f"Downloading {name} failed:\n{tried}\n{_how_to_get(source)}"
    )


def _how_to_get(source):
    hint = "To get the files:"
    if source.apt_package:
        hint += f" on Debian or Ubuntu, sudo apt-get install {source.apt_package}; or"
    return (
        f"{hint} download them from {source.mirrors[0]} into a folder and set {source.env_var} to that folder "
        f"(or pass path=)."
    )
