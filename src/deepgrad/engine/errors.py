"""The typed errors of the engine: each one names the bad value and how to fix it."""


class ShapeError(ValueError):
    """Shapes that do not fit together (broadcasting, matmul, reshape)."""


class DeviceError(RuntimeError):
    """Tensors on different devices, or a device that is not available."""


class GradientError(RuntimeError):
    """Backpropagation asked for something it cannot do (released graph, non-scalar output...)."""


class AnomalyError(FloatingPointError):
    """An op produced NaN or inf while `dg.detect_anomaly()` was on."""


class GradientCheckError(AssertionError):
    """Autograd and finite differences disagree (raised by `dg.check_gradients`)."""


class MissingDependencyError(ImportError):
    """An optional extra is needed for this feature but is not installed."""
