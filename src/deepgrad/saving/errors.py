"""The typed error of saving and loading: a file that cannot be read as what it claims to be."""


class CorruptFileError(ValueError):
    """A saved file is truncated, damaged, of another format, or inconsistent with its neighbour.

    The message names the file and what is wrong with it. It is a ValueError, so code that
    catches ValueError around a load keeps working.

        >>> raise CorruptFileError("model/config.json is not valid JSON (line 1, column 2)")
        Traceback (most recent call last):
        deepgrad.saving.errors.CorruptFileError: model/config.json is not valid JSON (line 1, column 2)
    """
