"""The IDX format of MNIST-style files: a big-endian header, then the values as raw unsigned bytes.

The header is a magic number `0x0000 08 NN` (two zero bytes, the data type 0x08 = unsigned byte,
and the number of dimensions NN: 0x01 for labels, 0x03 for images) followed by one 4-byte
big-endian size per dimension. The values follow in C order; their count must be the product of
the sizes. Files may be gzip-compressed (`.gz`), as they are published.

    >>> import tempfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/labels-idx1-ubyte.gz"
    >>> write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    >>> read_idx(path, ndim=1)
    array([7, 2, 1], dtype=uint8)
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

from deepgrad.data.datasets.errors import IDXFormatError

UNSIGNED_BYTE = 0x08
_KINDS = {1: "label", 3: "image"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path, ndim=None):
    """The array stored in the IDX file at `path` (gzip-compressed or not), as uint8.

    `ndim` (None) is the number of dimensions the file must have: 1 for labels, 3 for images.
    Raises IDXFormatError naming the file and what is wrong with it.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise IDXFormatError(
                f"{path} is not a valid gzip file ({error}); it is probably truncated: delete it and get it again"
            ) from error
    return parse_idx(raw, source=str(path), ndim=ndim)


def parse_idx(raw, source="<bytes>", ndim=None):
    """The array in the IDX bytes `raw`; `source` names them in errors (see `read_idx`)."""
    if len(raw) < 4:
        raise IDXFormatError(f"{source}: {len(raw)} bytes is too short for an IDX file (the magic number alone is 4)")
    magic = int.from_bytes(raw[:4], "big")
    if raw[:2] != b"\x00\x00" or (ndim is not None and raw[3] != ndim):
        wanted = f"0x{(UNSIGNED_BYTE << 8) | ndim:08X}" if ndim is not None else "0x0000 08 NN"
        kind = f"an IDX {_KINDS.get(ndim, f'{ndim}-dimensional')} file" if ndim is not None else "an IDX file"
        raise IDXFormatError(
            f"{source}: magic number 0x{magic:08X} where {kind} starts with {wanted}; "
            f"the file is of another kind (images and labels swapped?) or corrupt"
        )
    if raw[2] != UNSIGNED_BYTE:
        raise IDXFormatError(
            f"{source}: IDX data type byte 0x{raw[2]:02X} where MNIST-style files have 0x08 (unsigned byte); "
            f"only unsigned-byte IDX files are supported"
        )
    dims = raw[3]
    header = 4 + 4 * dims
    if len(raw) < header:
        raise IDXFormatError(
            f"{source}: truncated header: {dims} dimensions need {header} header bytes but the file has {len(raw)}"
        )
    shape = tuple(int(size) for size in np.frombuffer(raw, dtype=">u4", count=dims, offset=4))
    expected, found = int(np.prod(shape, dtype=np.int64)), len(raw) - header
    if found < expected:
        raise IDXFormatError(
            f"{source}: truncated: the header promises shape {shape} = {expected} values but only {found} bytes "
            f"follow; delete the file and get it again"
        )
    if found > expected:
        raise IDXFormatError(
            f"{source}: {found - expected} extra bytes after the {expected} values of shape {shape} that the header "
            f"promises; the file is corrupt: delete it and get it again"
        )
    # frombuffer reads the bytes in place; the copy makes the array writable, as Keras's arrays are.
    return np.frombuffer(raw, dtype=np.uint8, count=expected, offset=header).reshape(shape).copy()


def write_idx(path, array):
    """Write a uint8 `array` as an IDX file at `path`, gzip-compressed when `path` ends in `.gz`."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"write_idx writes unsigned bytes only, got an array of dtype {array.dtype}; cast it first")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"write_idx needs an array with 1 to 255 dimensions, got shape {array.shape}")
    header = bytes([0, 0, UNSIGNED_BYTE, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    raw = header + np.ascontiguousarray(array).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(raw, mtime=0) if path.suffix == ".gz" else raw)
