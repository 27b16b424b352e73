"""Test settings shared by the whole suite."""

import pytest
from hypothesis import settings

from deepgrad.engine import kernels

# A test never depends on luck (STYLE.md): hypothesis draws the same examples on every run.
settings.register_profile("deepgrad", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("deepgrad")


@pytest.fixture(params=["compiled", "numpy"])
def kernel_path(request):
    """Runs a test twice: with the compiled kernels (engine/kernels, which need Numba) and with the
    NumPy reference. A module opts in with `pytestmark = pytest.mark.usefixtures("kernel_path")`."""
    if request.param == "compiled":
        pytest.importorskip("numba")
    with kernels.use_compiled(request.param == "compiled"):
        yield request.param
