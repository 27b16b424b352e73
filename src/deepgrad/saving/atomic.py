"""Atomic file writes: a file under its final name is always a whole one.

`write_atomically(path, data)` writes `data` to a new temporary file in the same folder
(`.NAME.<random hex>.tmp`), flushes it and fsyncs it to disk, then renames it over `path` with
`os.replace`. The rename is atomic when both names are on one file system, which is why the
temporary file sits in the same folder. A crash or an error before the rename leaves the old
file whole and removes the temporary one; a crash after it leaves the new file. Only a power cut
or a killed process in the middle can leave a hidden `.NAME.*.tmp` file behind, never a
half-written file under the final name.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> write_atomically(path, b"hello")
    >>> open(path, "rb").read()
    b'hello'
"""

import contextlib
import os
import secrets

CHUNK_BYTES = 1 << 20  # write in pieces so that a huge file never needs a second copy in memory


def write_atomically(path, data):
    """Replace the file at `path` by one holding the bytes `data`, all at once or not at all."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist; create it first "
                                f"(os.makedirs({folder!r}, exist_ok=True))")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give the path of a file inside it")
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write into a file someone else made; 0o666 lets the umask set the usual permissions.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_chunks(file, memoryview(data))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:  # KeyboardInterrupt included: never leave the temporary file behind
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _sync_folder(folder)


def _write_chunks(file, data):
    for start in range(0, len(data), CHUNK_BYTES):
        file.write(data[start:start + CHUNK_BYTES])


def _sync_folder(folder):
    """Make the rename itself durable (POSIX). Windows cannot open a folder, and some file systems
    refuse to fsync one; the file is already in place by then, so that is not an error."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
