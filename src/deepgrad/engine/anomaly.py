"""Anomaly detection: find the first op whose forward or backward pass makes NaN or inf.

    >>> with dg.detect_anomaly():
    ...     loss = model_loss(x)      # raises AnomalyError at the op that made the first NaN,
    ...     loss.backward()           # naming it and the line of your code that called it

Checking every array costs time, so it is off unless asked for.
"""

import contextlib
import linecache
import os
import sys

from deepgrad.engine import backend
from deepgrad.engine.errors import AnomalyError

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class State:
    enabled = False


@contextlib.contextmanager
def detect_anomaly():
    """Raise AnomalyError at the first op whose forward or backward produces NaN or inf."""
    previous, State.enabled = State.enabled, True
    try:
        yield
    finally:
        State.enabled = previous


def _user_line():
    """'file:line: code' of the innermost frame outside the deepgrad package."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" + (f": {code}" if code else "")


def _bad_values(array):
    """'NaN', 'inf' or None for the first kind of non-finite value in a floating array."""
    if array is None or array.dtype.kind != "f":
        return None
    xp = backend.array_module(array)
    if bool(xp.isnan(array).any()):
        return "NaN"
    if bool(xp.isinf(array).any()):
        return "inf"
    return None


def check_forward(out, op, parents):
    """Called by `record` for each op while anomaly detection is on."""
    out._origin = _user_line()
    bad = _bad_values(out.data)
    if bad is None:
        return
    note = ""
    if any(_bad_values(p.data) for p in parents):
        note = " (its inputs already held non-finite values, which came from outside the graph)"
    raise AnomalyError(f"{op} produced {bad} in its forward pass{note}, at {out._origin}")


def check_backward(tensor, grads):
    """Called by backpropagation for each op's gradients while anomaly detection is on."""
    for index, grad in enumerate(grads):
        bad = _bad_values(grad)
        if bad is not None:
            where = tensor._origin or "an op made before detect_anomaly() was turned on"
            raise AnomalyError(
                f"the backward pass of {tensor._op} produced {bad} in the gradient of its input "
                f"{index}, for the op created at {where}"
            )
