"""The array backend: one code path for NumPy and CuPy, and clear errors about devices."""

import pathlib
import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine import backend

OPS_DIR = pathlib.Path(dg.__file__).parent / "engine" / "ops"


def test_ops_never_import_numpy_directly():
    """Ops get their array module from the backend (`xp`), so the GPU runs the same code."""
    offenders = [
        path.name
        for path in OPS_DIR.glob("*.py")
        if re.search(r"^\s*(import numpy|from numpy)", path.read_text(), flags=re.MULTILINE)
    ]
    assert offenders == []


def test_array_module_and_device_of_numpy_arrays():
    x = np.zeros(3)
    assert backend.array_module(x) is np
    assert backend.device_of(x) == "cpu"
    assert dg.tensor(x).device == "cpu"
    assert backend.to_device(x, "cpu") is x


def test_unknown_device_names_the_choices():
    with pytest.raises(dg.DeviceError, match="'cpu', 'gpu'"):
        dg.zeros(3, device="tpu")


def test_gpu_device_works_or_says_how_to_get_it():
    if dg.gpu_available():
        x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
        on_gpu = dg.tensor(x, device="gpu", requires_grad=True)
        on_cpu = dg.tensor(x, requires_grad=True)
        for t in (on_gpu, on_cpu):
            (dg.tanh(t @ t.T).sum() * 2).backward()
        assert on_gpu.device == "gpu" and on_gpu.grad.device == "gpu"
        np.testing.assert_allclose(on_gpu.grad.numpy(), on_cpu.grad.numpy(), rtol=1e-5)
        with pytest.raises(dg.DeviceError, match="'gpu'.*'cpu'|'cpu'.*'gpu'"):
            on_gpu + on_cpu
    else:
        with pytest.raises((dg.MissingDependencyError, dg.DeviceError), match="deepgrad\\[gpu\\]|no GPU"):
            dg.ones(2, device="gpu")
