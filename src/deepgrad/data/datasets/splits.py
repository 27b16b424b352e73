"""The arguments of a loader that splits its samples into a training and a test part, checked once."""

import numbers


def check_split(loader, name, fraction, seed, items):
    """Raise a ValueError naming `loader` unless `fraction` (its argument `name`, the part of the
    `items` kept for testing) is strictly between 0 and 1 and `seed` is a non-negative integer.

        >>> check_split("load_digits", "test_size", 0.2, 0, "images")
    """
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
        raise ValueError(f"{loader}'s {name} is the fraction of {items} kept for testing, strictly between 0 and 1, "
                         f"got {fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{loader}'s seed must be a non-negative integer, got {seed!r}")
