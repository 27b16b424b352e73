"""Optional extras fail with an error that names the extra to install."""

import pytest

import deepgrad as dg
from deepgrad.optional import require


def test_require_imports_an_installed_module():
    assert require("json", "saving", "saving").dumps([1]) == "[1]"


def test_require_names_the_extra_when_the_module_is_missing():
    with pytest.raises(dg.MissingDependencyError, match=r"surely_not_installed.*pip install 'deepgrad\[dashboard\]'"):
        require("surely_not_installed.sub", "dashboard", "the TensorBoard callback")


def test_require_names_a_pip_command_when_no_extra_installs_the_package():
    with pytest.raises(dg.MissingDependencyError, match=r"'surely_not_installed'.*pip install --no-deps surely_not"):
        require("surely_not_installed", None, "a loader", pip="--no-deps surely_not_installed")
