"""The typed errors of dataset loading: each names the file or place and says how to fix it."""


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are not on this machine and could not be downloaded."""


class ChecksumError(ValueError):
    """A downloaded file does not have the SHA-256 checksum it was published with."""


class IDXFormatError(ValueError):
    """An IDX file (the format of MNIST and Fashion-MNIST) is corrupt, truncated or of the wrong kind."""
