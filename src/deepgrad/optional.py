"""Optional extras: imported when a feature needs them, with an error that says how to install them."""

import importlib

from deepgrad.engine.errors import MissingDependencyError


def require(module, extra, feature):
    """Import `module` for `feature`, or raise MissingDependencyError naming `pip install 'deepgrad[extra]'`.

        >>> safetensors_numpy = require("safetensors.numpy", "saving", "saving weights")
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependencyError(
            f"{feature} needs the optional module '{module.split('.')[0]}', which is not installed; install it "
            f"with: pip install 'deepgrad[{extra}]'"
        ) from error
