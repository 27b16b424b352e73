"""Downloads into the cache: atomic (a partial file never has the final name) and checksummed.

`fetch_url` is the one function that touches the network; tests replace it with a local fake.
"""

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from deepgrad.data.datasets.errors import ChecksumError

TIMEOUT_S = 60


def cache_dir(name):
    """The cache folder of dataset `name`: `$DEEPGRAD_CACHE_DIR/datasets/<name>`.

    `DEEPGRAD_CACHE_DIR` defaults to `$XDG_CACHE_HOME/deepgrad`, that is `~/.cache/deepgrad`.

        >>> cache_dir("mnist").parts[-2:]
        ('datasets', 'mnist')
    """
    root = os.environ.get("DEEPGRAD_CACHE_DIR")
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deepgrad"
    return Path(root).expanduser() / "datasets" / name


def fetch_url(url, file):
    """Copy the bytes at `url` into the open binary `file`."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        shutil.copyfileobj(response, file, 1 << 20)


def sha256_of(path):
    """The SHA-256 checksum of the file at `path`, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url, destination, sha256):
    """Download `url` to `destination` if its SHA-256 checksum is `sha256`; returns `destination`.

    The bytes go to a temporary file in the destination's folder, which is renamed into place
    (`os.replace`, atomic) only once complete and verified: an interrupted or corrupt download
    leaves nothing under the final name. Raises ChecksumError on a mismatch and lets network
    errors (`OSError`, `urllib.error.URLError`) through.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = tempfile.NamedTemporaryFile(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part",
                                       delete=False)
    try:
        with part:
            fetch_url(url, part)
        actual = sha256_of(part.name)
        if actual != sha256:
            raise ChecksumError(
                f"{url} downloaded with SHA-256 {actual}, but the published file has {sha256}; the download was "
                f"corrupted or the file changed upstream, so it was deleted"
            )
        os.replace(part.name, destination)
    except BaseException:
        Path(part.name).unlink(missing_ok=True)
        raise
    return destination
