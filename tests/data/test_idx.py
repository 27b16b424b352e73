"""The IDX parser: round trips through files the tests write, and every kind of corrupt file."""

import gzip
import struct

import numpy as np
import pytest

from deepgrad.data.datasets import IDXFormatError
from deepgrad.data.datasets.idx import read_idx, write_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
LABELS = np.array([7, 0, 9, 255], dtype=np.uint8)


def idx_bytes(array, magic=None):
    """IDX bytes written by hand (not by write_idx), so the parser is checked against the format itself."""
    magic = 0x00000800 | array.ndim if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def store(path, raw):
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_hand_written_files_are_read_back(tmp_path, name):
    images = read_idx(store(tmp_path / name, idx_bytes(IMAGES)), ndim=3)
    np.testing.assert_array_equal(images, IMAGES)
    assert images.dtype == np.uint8 and images.flags.writeable
    labels = read_idx(store(tmp_path / ("labels" + name), idx_bytes(LABELS)), ndim=1)
    np.testing.assert_array_equal(labels, LABELS)


@pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
def test_write_idx_round_trips_and_writes_the_format_byte_for_byte(tmp_path, name):
    path = tmp_path / name
    write_idx(path, IMAGES)
    np.testing.assert_array_equal(read_idx(path), IMAGES)
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    assert raw == idx_bytes(IMAGES)


def test_write_idx_refuses_other_dtypes(tmp_path):
    with pytest.raises(TypeError, match=r"unsigned bytes only.*float64"):
        write_idx(tmp_path / "x", np.zeros(3))


CORRUPTIONS = {
    "labels read as images": (idx_bytes(LABELS), 3, r"magic number 0x00000801 where an IDX image file starts with "
                                                     r"0x00000803"),
    "images read as labels": (idx_bytes(IMAGES), 1, r"magic number 0x00000803 where an IDX label file starts with "
                                                    r"0x00000801"),
    "not an IDX file": (b"PK\x03\x04" + bytes(40), 3, r"magic number 0x504B0304"),
    "wrong dtype byte": (idx_bytes(IMAGES, magic=0x00000D03), 3, r"data type byte 0x0D .* 0x08 \(unsigned byte\)"),
    "truncated payload": (idx_bytes(IMAGES)[:-5], 3, r"truncated: .*shape \(2, 3, 4\) = 24 values but only 19 bytes"),
    "extra bytes": (idx_bytes(LABELS) + b"\x00\x01", 1, r"2 extra bytes after the 4 values of shape \(4,\)"),
    "truncated header": (idx_bytes(IMAGES)[:10], 3, r"truncated header: 3 dimensions need 16 header bytes but the file "
                                                    r"has 10"),
    "empty file": (b"", 1, r"0 bytes is too short"),
}


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupt_file_raises_naming_the_file_and_the_fault(tmp_path, case, suffix):
    raw, ndim, message = CORRUPTIONS[case]
    path = store(tmp_path / f"broken-idx-ubyte{suffix}", raw)
    with pytest.raises(IDXFormatError, match=message) as caught:
        read_idx(path, ndim=ndim)
    assert str(path) in str(caught.value)


def test_a_truncated_gzip_stream_is_an_idx_format_error(tmp_path):
    path = tmp_path / "cut-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGES))[:-12])
    with pytest.raises(IDXFormatError, match=r"cut-idx3-ubyte.gz is not a valid gzip file"):
        read_idx(path, ndim=3)


def test_without_ndim_any_unsigned_byte_idx_file_is_read(tmp_path):
    cube = np.ones((2, 2, 2, 2), np.uint8)
    np.testing.assert_array_equal(read_idx(store(tmp_path / "four", idx_bytes(cube))), cube)
