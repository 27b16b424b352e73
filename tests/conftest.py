"""Test settings shared by the whole suite."""

from hypothesis import settings

# A test never depends on luck (STYLE.md): hypothesis draws the same examples on every run.
settings.register_profile("deepgrad", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("deepgrad")
