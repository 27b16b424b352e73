"""What EarlyStopping, ModelCheckpoint and ReduceLROnPlateau share: reading the monitored value and its direction."""

import math
import numbers
import warnings

MODES = ("auto", "min", "max")
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall")


def resolve_mode(owner, monitor, mode):
    """"min" or "max": `mode` itself, or for "auto" "max" when the name contains acc, auc,
    precision or recall (accuracy, val_auc, ...) and "min" otherwise (losses, errors).

        >>> resolve_mode("EarlyStopping", "val_accuracy", "auto"), resolve_mode("EarlyStopping", "val_loss", "auto")
        ('max', 'min')
    """
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"{owner}: monitor must be the name of a logged value such as 'val_loss', got {monitor!r}")
    if mode not in MODES:
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}; 'min' for a loss, "
                         f"'max' for an accuracy")
    if mode != "auto":
        return mode
    return "max" if any(word in monitor.lower() for word in _HIGHER_IS_BETTER) else "min"


def monitored_value(owner, monitor, logs):
    """The number `logs[monitor]`, or None with a warning that lists what the logs hold."""
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        hint = " (the val_ values need validation_data or validation_split in fit)" if monitor.startswith("val_") \
            else ""
        warnings.warn(
            f"{owner} monitors {monitor!r}, which is not in the logs; available: {', '.join(logs) or 'none'}{hint}",
            stacklevel=3,
        )
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        warnings.warn(f"{owner} monitors {monitor!r}, but its value {value!r} is not a number", stacklevel=3)
        return None
    return float(value)


def is_finite(value):
    return isinstance(value, numbers.Real) and math.isfinite(value)


def non_negative_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{owner}: {name} must be a whole number >= 0, got {value!r}")
    return int(value)
