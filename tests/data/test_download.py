"""Downloads are atomic and checksummed; the cache folder can be moved."""

import hashlib
from pathlib import Path

import pytest

from deepgrad.data.datasets import ChecksumError, download

PAYLOAD = b"IDX bytes " * 1000
SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


def serve(payload, fail_after=None):
    """A fake fetch_url writing `payload`, or only its first `fail_after` bytes before the connection drops."""

    def fetch(url, file):
        if fail_after is None:
            file.write(payload)
            return
        file.write(payload[:fail_after])
        file.flush()
        raise ConnectionResetError("connection reset by peer")

    return fetch


def test_a_verified_download_lands_under_its_final_name_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "fetch_url", serve(PAYLOAD))
    destination = tmp_path / "cache" / "file.gz"
    assert download.download("https://example.org/file.gz", destination, SHA256) == destination
    assert destination.read_bytes() == PAYLOAD
    assert [p.name for p in destination.parent.iterdir()] == ["file.gz"]


@pytest.mark.parametrize("error", [ConnectionResetError("connection reset by peer"), KeyboardInterrupt()])
def test_a_download_that_fails_midway_leaves_no_file(tmp_path, monkeypatch, error):
    partial = []

    def fetch(url, file):
        serve(PAYLOAD)(url, file)
        partial.append(Path(file.name))
        raise error

    monkeypatch.setattr(download, "fetch_url", fetch)
    destination = tmp_path / "file.gz"
    with pytest.raises(type(error)):
        download.download("https://example.org/file.gz", destination, SHA256)
    assert partial and partial[0].parent == tmp_path and partial[0].name != "file.gz"  # written beside, then removed
    assert list(tmp_path.iterdir()) == []


def test_a_failed_download_leaves_an_earlier_file_untouched(tmp_path, monkeypatch):
    destination = tmp_path / "file.gz"
    destination.write_bytes(b"the earlier file")
    monkeypatch.setattr(download, "fetch_url", serve(PAYLOAD, fail_after=100))
    with pytest.raises(ConnectionResetError):
        download.download("https://example.org/file.gz", destination, SHA256)
    assert destination.read_bytes() == b"the earlier file"
    assert [p.name for p in tmp_path.iterdir()] == ["file.gz"]


def test_a_download_with_the_wrong_checksum_is_rejected_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "fetch_url", serve(PAYLOAD[:-1]))
    with pytest.raises(ChecksumError) as caught:
        download.download("https://example.org/file.gz", tmp_path / "file.gz", SHA256)
    message = str(caught.value)
    assert SHA256 in message and hashlib.sha256(PAYLOAD[:-1]).hexdigest() in message
    assert "https://example.org/file.gz" in message
    assert list(tmp_path.iterdir()) == []


def test_fetch_url_copies_the_bytes_of_a_url(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(PAYLOAD)
    destination = tmp_path / "destination.bin"
    with open(destination, "wb") as file:
        download.fetch_url(source.as_uri(), file)
    assert destination.read_bytes() == PAYLOAD


def test_the_real_fetch_url_end_to_end_through_download(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(PAYLOAD)
    destination = download.download(source.as_uri(), tmp_path / "out" / "file.gz", SHA256)
    assert destination.read_bytes() == PAYLOAD


def test_an_unreachable_url_raises_an_os_error(tmp_path):
    with pytest.raises(OSError):
        download.download((tmp_path / "absent.bin").as_uri(), tmp_path / "file.gz", SHA256)
    assert list(tmp_path.iterdir()) == []


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(PAYLOAD * 300)
    assert download.sha256_of(path) == hashlib.sha256(PAYLOAD * 300).hexdigest()


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPGRAD_CACHE_DIR", str(tmp_path / "mine"))
    assert download.cache_dir("mnist") == tmp_path / "mine" / "datasets" / "mnist"
    monkeypatch.delenv("DEEPGRAD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert download.cache_dir("mnist") == tmp_path / "xdg" / "deepgrad" / "datasets" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert download.cache_dir("fashion-mnist") == tmp_path / "home" / ".cache/deepgrad/datasets/fashion-mnist"
