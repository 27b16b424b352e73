"""JSON for saved files: checked before writing, checked after reading.

`to_json` refuses values JSON would not give back (a function, a NumPy scalar, a non-string
key) and names where the bad value sits, instead of json's "Object of type function is not JSON
serializable". `read_json` turns every way a file can be wrong into a CorruptFileError naming it.
Python's json reads integers of any size exactly, so the random generator's 128-bit state
survives a round trip.

    >>> to_json({"epoch": 3, "extra": {"best": 0.25}}, "the checkpoint")
    '{"epoch": 3, "extra": {"best": 0.25}}'
    >>> to_json({"lr": lambda step: 0.1}, "extra")
    Traceback (most recent call last):
    TypeError: extra['lr'] is a function, which JSON cannot store; ...
"""

import json

import numpy as np

from deepgrad.saving.errors import CorruptFileError
from deepgrad.saving.tensor_files import check_format

JSON_KINDS = "dicts with string keys, lists, strings, numbers, True, False and None"


def to_json(value, where, fix="", indent=None):
    """`value` as JSON text, or a TypeError naming the first part of it (`where`...) JSON cannot hold."""
    problem = _first_problem(value, where)
    if problem:
        raise TypeError(f"{problem}; {fix or f'save only {JSON_KINDS}'}")
    return json.dumps(value, indent=indent)


def _first_problem(value, where):
    if value is None or isinstance(value, (str, bool, int, float)):
        return None
    if isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", item) for i, item in enumerate(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                return f"{where} has the key {key!r} ({type(key).__name__}), but JSON keys are strings"
        items = ((f"{where}[{key!r}]", item) for key, item in value.items())
    else:
        kind = "a function" if callable(value) else f"{value!r} ({type(value).__name__})"
        hint = " (convert it with int() or float())" if isinstance(value, np.generic) else ""
        return f"{where} is {kind}, which JSON cannot store{hint}"
    return next(filter(None, (_first_problem(item, place) for place, item in items)), None)


def read_json(path, file_format, keys):
    """The JSON object in the file `path`, checked to be of `file_format` and to have `keys`."""
    try:
        with open(path, encoding="utf-8") as file:
            value = json.load(file)
    except UnicodeDecodeError as error:
        raise CorruptFileError(f"{path} is not JSON text: {error}") from None
    except json.JSONDecodeError as error:
        raise CorruptFileError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); it may be "
            f"truncated or damaged. Save it again"
        ) from None
    if not isinstance(value, dict):
        raise CorruptFileError(f"{path} should hold a JSON object {{...}}, but holds a {type(value).__name__}")
    check_format(value.get("format"), value.get("version"), file_format, path)
    missing = [key for key in keys if key not in value]
    if missing:
        raise CorruptFileError(f"{path} lacks the key(s) {missing} that a {file_format!r} file has")
    return value
