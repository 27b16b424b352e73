"""Where load_mnist and load_fashion_mnist look, in order, and what they do when nothing is there.

Every test runs with the environment cleared, the cache and the Debian folder moved to temporary
folders, and the network replaced by a fake (`download.fetch_url`), so nothing leaves the machine.
"""

import dataclasses
import gzip
import hashlib
import urllib.error

import numpy as np
import pytest

from deepgrad.data.datasets import DatasetNotFoundError, IDXFormatError, download, load_fashion_mnist, load_mnist, mnist
from deepgrad.data.datasets.idx import write_idx


def fake_files(marker, train=6, test=2, labels=None):
    """The four IDX .gz files of a tiny MNIST-style dataset whose every label is `marker`."""
    labels = labels or {}
    arrays = {
        "train-images-idx3-ubyte": np.full((train, 28, 28), marker, np.uint8),
        "train-labels-idx1-ubyte": np.full(labels.get("train", train), marker, np.uint8),
        "t10k-images-idx3-ubyte": np.full((test, 28, 28), marker, np.uint8),
        "t10k-labels-idx1-ubyte": np.full(labels.get("test", test), marker, np.uint8),
    }
    return arrays


def write_dataset(folder, marker, gz=True, **sizes):
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in fake_files(marker, **sizes).items():
        write_idx(folder / (name + (".gz" if gz else "")), array)
    return folder


def marker_of(loaded):
    (x_train, y_train), (x_test, y_test) = loaded
    assert x_train.shape == (6, 28, 28) and y_test.shape == (2,)
    return int(y_train[0])


class FakeNetwork:
    """Serves `files` (name -> bytes) for any mirror, or raises `error`; records the URLs asked for."""

    def __init__(self, files=None, error=None):
        self.files, self.error, self.urls = files or {}, error, []

    def __call__(self, url, file):
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        file.write(self.files[url.rsplit("/", 1)[1]])


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Temporary stand-ins for every place the loaders look; the network refuses to be used."""
    for variable in ("DEEPGRAD_MNIST_DIR", "DEEPGRAD_FASHION_MNIST_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DEEPGRAD_CACHE_DIR", str(tmp_path / "cache"))
    debian = tmp_path / "debian"
    monkeypatch.setattr(mnist, "FASHION_MNIST", dataclasses.replace(mnist.FASHION_MNIST, system_dirs=(debian,)))
    network = FakeNetwork(error=AssertionError("the network was used"))
    monkeypatch.setattr(download, "fetch_url", network)
    return {"argument": tmp_path / "argument", "env": tmp_path / "env", "debian": debian,
            "cache": tmp_path / "cache" / "datasets", "network": network, "monkeypatch": monkeypatch}


def test_the_argument_comes_first(places):
    write_dataset(places["argument"], 1)
    write_dataset(places["env"], 2)
    write_dataset(places["debian"], 3)
    write_dataset(places["cache"] / "fashion-mnist", 4)
    places["monkeypatch"].setenv("DEEPGRAD_FASHION_MNIST_DIR", str(places["env"]))
    assert marker_of(load_fashion_mnist(path=places["argument"])) == 1
    assert marker_of(load_fashion_mnist(path=str(places["argument"]))) == 1


def test_then_the_environment_variable(places):
    write_dataset(places["env"], 2)
    write_dataset(places["debian"], 3)
    write_dataset(places["cache"] / "fashion-mnist", 4)
    places["monkeypatch"].setenv("DEEPGRAD_FASHION_MNIST_DIR", str(places["env"]))
    assert marker_of(load_fashion_mnist()) == 2


def test_then_the_debian_folder(places):
    write_dataset(places["env"] / "empty", 2)  # the variable names a folder without the files: skipped
    write_dataset(places["debian"], 3)
    write_dataset(places["cache"] / "fashion-mnist", 4)
    places["monkeypatch"].setenv("DEEPGRAD_FASHION_MNIST_DIR", str(places["env"]))
    assert marker_of(load_fashion_mnist()) == 3


def test_then_the_cache(places):
    write_dataset(places["cache"] / "fashion-mnist", 4)
    write_dataset(places["cache"] / "mnist", 5)
    assert marker_of(load_fashion_mnist()) == 4
    assert marker_of(load_mnist()) == 5
    assert places["network"].urls == []


def test_mnist_reads_its_own_variable_and_not_the_debian_fashion_folder(places):
    write_dataset(places["debian"], 3)
    write_dataset(places["env"], 6)
    write_dataset(places["cache"] / "mnist", 5)
    places["monkeypatch"].setenv("DEEPGRAD_FASHION_MNIST_DIR", str(places["debian"]))
    assert marker_of(load_mnist()) == 5
    places["monkeypatch"].setenv("DEEPGRAD_MNIST_DIR", str(places["env"]))
    assert marker_of(load_mnist()) == 6


def test_unpacked_files_are_found_too(places):
    write_dataset(places["argument"], 7, gz=False)
    assert marker_of(load_mnist(path=places["argument"])) == 7


def test_a_folder_with_only_some_of_the_files_is_passed_over(places):
    write_dataset(places["debian"], 3)
    (places["debian"] / "t10k-labels-idx1-ubyte.gz").unlink()
    write_dataset(places["cache"] / "fashion-mnist", 4)
    assert marker_of(load_fashion_mnist()) == 4


def test_a_path_argument_without_the_files_is_an_error_naming_what_is_missing(places):
    write_dataset(places["argument"], 1)
    (places["argument"] / "train-labels-idx1-ubyte.gz").unlink()
    write_dataset(places["cache"] / "mnist", 5)
    with pytest.raises(DatasetNotFoundError, match=r"argument has no train-labels-idx1-ubyte.gz"):
        load_mnist(path=places["argument"])
    assert places["network"].urls == []


def test_images_and_labels_of_different_lengths_are_refused(places):
    write_dataset(places["argument"], 1, labels={"train": 5})
    with pytest.raises(IDXFormatError, match=r"train-images-idx3-ubyte.gz holds 6 images but "
                                             r"train-labels-idx1-ubyte.gz holds 5 labels"):
        load_mnist(path=places["argument"])


def gz_files(marker):
    return {name + ".gz": gzip.compress(write_bytes(array)) for name, array in fake_files(marker).items()}


def write_bytes(array):
    return bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape) + array.tobytes()


def trust(monkeypatch, files, source="MNIST"):
    """Make `files` the published ones: their SHA-256 replaces the real checksums."""
    checksums = {name: hashlib.sha256(raw).hexdigest() for name, raw in files.items()}
    monkeypatch.setattr(mnist, source, dataclasses.replace(getattr(mnist, source), sha256=checksums))


def test_missing_files_are_downloaded_into_the_cache_once(places):
    files = gz_files(8)
    trust(places["monkeypatch"], files)
    network = FakeNetwork(files)
    places["monkeypatch"].setattr(download, "fetch_url", network)
    assert marker_of(load_mnist()) == 8
    assert sorted(network.urls) == sorted(mnist.MNIST.mirrors[0] + name for name in mnist.FILES)
    assert sorted(p.name for p in (places["cache"] / "mnist").iterdir()) == sorted(mnist.FILES)
    assert marker_of(load_mnist()) == 8
    assert len(network.urls) == 4


def test_only_the_missing_files_are_downloaded(places):
    files = gz_files(8)
    trust(places["monkeypatch"], files)
    cache = write_dataset(places["cache"] / "mnist", 8)
    (cache / "t10k-images-idx3-ubyte.gz").unlink()
    network = FakeNetwork(files)
    places["monkeypatch"].setattr(download, "fetch_url", network)
    assert marker_of(load_mnist()) == 8
    assert network.urls == [mnist.MNIST.mirrors[0] + "t10k-images-idx3-ubyte.gz"]


def test_the_second_mirror_is_tried_when_the_first_fails(places):
    files = gz_files(9)
    trust(places["monkeypatch"], files, "FASHION_MNIST")
    served = FakeNetwork(files)

    def first_mirror_down(url, file):
        if url.startswith(mnist.FASHION_MNIST.mirrors[0]):
            raise urllib.error.HTTPError(url, 503, "Service Unavailable", {}, None)
        served(url, file)

    places["monkeypatch"].setattr(download, "fetch_url", first_mirror_down)
    assert marker_of(load_fashion_mnist()) == 9
    assert all(url.startswith(mnist.FASHION_MNIST.mirrors[1]) for url in served.urls)


OFFLINE = urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))


def test_offline_fashion_mnist_says_where_it_looked_and_how_to_get_the_files(places):
    places["monkeypatch"].setattr(download, "fetch_url", FakeNetwork(error=OFFLINE))
    with pytest.raises(DatasetNotFoundError) as caught:
        load_fashion_mnist()
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    for expected in (str(places["debian"]), str(places["cache"] / "fashion-mnist"), "DEEPGRAD_FASHION_MNIST_DIR",
                     "DEEPGRAD_CACHE_DIR", "apt-get install dataset-fashion-mnist",
                     "Temporary failure in name resolution", mnist.FASHION_MNIST.mirrors[1],
                     mnist.FASHION_MNIST.mirrors[0] + "train-images-idx3-ubyte.gz"):
        assert expected in message, expected
    assert isinstance(caught.value.__cause__, urllib.error.URLError)
    assert not any((places["cache"] / "fashion-mnist").iterdir())


def test_offline_mnist_names_its_url_and_variable_and_no_apt_package(places):
    places["monkeypatch"].setattr(download, "fetch_url", FakeNetwork(error=OFFLINE))
    places["monkeypatch"].setenv("DEEPGRAD_MNIST_DIR", str(places["env"]))
    with pytest.raises(DatasetNotFoundError) as caught:
        load_mnist()
    message = str(caught.value)
    assert "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz" in message
    assert f"{places['env']} (DEEPGRAD_MNIST_DIR)" in message
    assert "apt-get" not in message


def test_a_download_with_the_wrong_checksum_is_rejected_and_not_kept(places):
    places["monkeypatch"].setattr(download, "fetch_url", FakeNetwork(gz_files(8)))  # real checksums: no match
    with pytest.raises(DatasetNotFoundError, match=r"SHA-256") as caught:
        load_mnist()
    assert mnist.MNIST.sha256["train-images-idx3-ubyte.gz"] in str(caught.value)
    assert list((places["cache"] / "mnist").iterdir()) == []
