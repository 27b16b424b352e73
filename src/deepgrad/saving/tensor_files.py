"""Safetensors files that say what they hold.

Every safetensors file deepgrad writes carries two metadata entries (safetensors metadata is a
dict of strings): `format`, one of "deepgrad-weights" or "deepgrad-checkpoint", and `version`,
"1". Reading checks both, so a checkpoint is never taken for a weights file, a file from another
program is refused with a hint instead of being misread, and a file from a newer deepgrad says so.
Nothing here unpickles: safetensors is a JSON header followed by raw little-endian array bytes.

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.safetensors")
    >>> _ = write_tensors(path, {"w": np.ones((2, 3), "float32")}, "deepgrad-weights")
    >>> tensors, metadata = read_tensors(path, "deepgrad-weights")
    >>> tensors["w"].shape, metadata
    ((2, 3), {'format': 'deepgrad-weights', 'version': '1'})
"""

import json
import struct

import numpy as np

from deepgrad.optional import require
from deepgrad.saving.atomic import write_atomically
from deepgrad.saving.errors import CorruptFileError

VERSION = 1
_HINTS = {  # what to call instead, when a file of another format is given
    "deepgrad-weights": "load it with load_weights(model, path)",
    "deepgrad-checkpoint": "load it with load_checkpoint(path, model, optimizer)",
    "deepgrad-model": "load it with deepgrad.load(folder)",
}


def _safetensors():
    return require("safetensors.numpy", "saving", "saving and loading weights")


def write_tensors(path, tensors, file_format, metadata=None):
    """Write {name: array} as a safetensors file of `file_format`, atomically; returns the bytes written."""
    data = encode_tensors(tensors, file_format, metadata)
    write_atomically(path, data)
    return data


def encode_tensors(tensors, file_format, metadata=None):
    """The bytes of a safetensors file of `file_format` holding {name: array} and `metadata`."""
    safetensors = _safetensors()
    # safetensors copies raw memory: a strided view would be written as garbage, so copy those first
    # (np.require, not np.ascontiguousarray, which turns a 0-d array into shape (1,)).
    arrays = {name: np.require(array, requirements="C") for name, array in tensors.items()}
    data = safetensors.save(arrays, metadata={**(metadata or {}), "format": file_format, "version": str(VERSION)})
    return _with_sorted_metadata(data)


def _with_sorted_metadata(data):
    """The same file with its metadata keys in sorted order, so that saving the same thing twice gives
    the same bytes: safetensors writes them from a hash map, in an order that changes from run to run.
    The header is JSON followed by spaces up to a multiple of 8 bytes; the arrays' bytes are untouched."""
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps({"__metadata__": header.pop("__metadata__"), **header}, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + header_size:]


def read_tensors(path, file_format):
    """({name: array}, metadata) of the safetensors file at `path`, which must be of `file_format`."""
    with open(path, "rb") as file:
        return decode_tensors(file.read(), path, file_format)


def decode_tensors(data, path, file_format):
    """Like `read_tensors`, from the file's bytes; `path` names the file in errors."""
    safetensors = _safetensors()
    try:
        tensors = safetensors.load(data)
    except Exception as error:  # safetensors raises its own SafetensorError, not a ValueError
        raise CorruptFileError(
            f"{path} is not a whole safetensors file ({error}); it may be truncated or hold something else. "
            f"Save it again"
        ) from None
    (header_size,) = struct.unpack("<Q", data[:8])  # safe: safetensors has just checked the header
    metadata = json.loads(data[8:8 + header_size]).get("__metadata__") or {}
    check_format(metadata.get("format"), metadata.get("version"), file_format, path)
    return tensors, metadata


def check_format(found_format, found_version, file_format, path):
    """Raise CorruptFileError unless a file's recorded format and version are ones this code reads."""
    if found_format is None:
        raise CorruptFileError(
            f"{path} was not written by deepgrad: it records no 'format'. To read plain tensors, use "
            f"safetensors.numpy.load_file(path) and model.load_state_dict(tensors)"
        )
    if found_format != file_format:
        hint = _HINTS.get(found_format, "it was not written by deepgrad")
        raise CorruptFileError(f"{path} holds a {found_format!r}, not a {file_format!r}; {hint}")
    try:
        version = int(found_version)
    except (TypeError, ValueError):
        raise CorruptFileError(f"{path} records an invalid format version {found_version!r}") from None
    if version > VERSION:
        raise CorruptFileError(
            f"{path} is a {file_format!r} of version {version}, written by a newer deepgrad; this one reads "
            f"version {VERSION}. Upgrade deepgrad to load it"
        )
    if version < 1:
        raise CorruptFileError(f"{path} records an invalid format version {found_version!r}")

