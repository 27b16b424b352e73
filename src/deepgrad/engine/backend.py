"""The array backend: NumPy on the CPU, CuPy on the GPU, behind one name, `xp`.

Every op gets its array module from here (``xp = array_module(x)``) and never imports NumPy
itself, so the same op code runs on both devices, as in Chainer. CuPy is imported lazily: a
machine without it or without a GPU still runs everything on the CPU.
"""

import numpy

from deepgrad.engine.errors import DeviceError, MissingDependencyError

DEVICES = ("cpu", "gpu")
_cupy = None


def _load_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as error:
            raise MissingDependencyError(
                "the 'gpu' device needs CuPy; install it with: pip install 'deepgrad[gpu]' "
                "(or the cupy-cudaXXx wheel that matches your CUDA)"
            ) from error
        _cupy = cupy
    return _cupy


def gpu_available():
    """True when CuPy is installed and can see at least one GPU."""
    try:
        cupy = _load_cupy()
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, no device: all mean "no GPU"
        return False


def check_device(device):
    """Return `device` as "cpu" or "gpu", or raise a DeviceError that lists the choices."""
    if device is None:
        return "cpu"
    if device not in DEVICES:
        raise DeviceError(f"unknown device {device!r}; use one of {DEVICES}")
    if device == "gpu" and not gpu_available():
        _load_cupy()  # raises the install hint when CuPy is missing
        raise DeviceError("device 'gpu' was asked for, but CuPy sees no GPU on this machine")
    return device


def module_for(device):
    """The array module (NumPy or CuPy) that holds arrays of `device`."""
    return numpy if device == "cpu" else _load_cupy()


def array_module(array):
    """The array module of `array`: the `xp` that every op computes with."""
    if type(array) is numpy.ndarray:
        return numpy
    return _cupy if _cupy is not None and isinstance(array, _cupy.ndarray) else numpy


def device_of(array):
    return "cpu" if isinstance(array, numpy.ndarray) else "gpu"


def is_array(value):
    """True for a NumPy or (when loaded) CuPy array."""
    return isinstance(value, numpy.ndarray) or (_cupy is not None and isinstance(value, _cupy.ndarray))


def to_device(array, device):
    """Copy `array` to `device` ("cpu" or "gpu"); returns it unchanged when already there."""
    if device_of(array) == device:
        return array
    if device == "cpu":
        return array.get()
    return _load_cupy().asarray(array)


def to_host(array):
    """A NumPy array with the values of `array`, wherever it lives."""
    return array if isinstance(array, numpy.ndarray) else array.get()


def ensure_array(value, xp=numpy):
    """Wrap NumPy's 0-d results (which come back as NumPy scalars) into arrays, keeping the dtype."""
    return value if is_array(value) else xp.asarray(value)


def errstate(**kwargs):
    """numpy.errstate: silences warnings for values an op handles itself (CuPy never warns)."""
    return numpy.errstate(**kwargs)


def host_numpy():
    """NumPy itself, for code that converts user input before any device is known."""
    return numpy
