"""Learning-rate schedules: change an optimizer's learning rate as training goes on.

A training loop calls `schedule.step()` after `optimizer.step()` (once per batch or per epoch,
as you choose; `ReduceLROnPlateau.step(metric)` takes the monitored value, usually once per
epoch). Each schedule sets the "lr" of every parameter group, starting from the learning rates
the groups had when the schedule was made (its `base_lrs`).

    >>> import deepgrad as dg
    >>> from deepgrad import optim
    >>> w = dg.zeros(3, requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> schedule = optim.schedules.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     opt.step()          # (after backward(), in a real loop)
    ...     schedule.step()
    ...     lrs.append(schedule.lr)
    >>> lrs
    [0.1, 0.05, 0.05, 0.025, 0.025]

An optimizer made with params=None (for `model.compile`) has no groups yet: a schedule then
drives its default learning rate, which the groups added later start from.
"""

import math

from deepgrad.optim.optimizer import Optimizer, in_range, non_negative, number


class LearningRateSchedule:
    """Base class: keeps the optimizer, its base learning rates and the number of steps taken."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{self._name} schedules a deepgrad.optim optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = self._current_lrs()
        self.step_count = 0

    @property
    def _name(self):
        return type(self).__name__

    def _current_lrs(self):
        groups = self.optimizer.param_groups
        return [group["lr"] for group in groups] if groups else [self.optimizer.defaults["lr"]]

    def _base_lrs(self):
        """The base lrs, one per group; one made before the groups existed serves them all."""
        count = max(len(self.optimizer.param_groups), 1)
        if len(self.base_lrs) == count:
            return self.base_lrs
        if len(self.base_lrs) == 1:
            return self.base_lrs * count
        raise ValueError(
            f"{self._name} was made for {len(self.base_lrs)} parameter groups but the optimizer now has {count}; "
            f"make the schedule after adding every group"
        )

    def _set_lrs(self, lrs):
        groups = self.optimizer.param_groups
        if not groups:
            self.optimizer.defaults["lr"] = lrs[0]
        for group, lr in zip(groups, lrs):
            group["lr"] = lr

    @property
    def lr(self):
        """The learning rate now (that of the optimizer's first group)."""
        return self.optimizer.lr

    def get_lr(self):
        """The learning rates now, one per parameter group."""
        return self._current_lrs()

    def step(self):
        """Advance the schedule by one step and set the optimizer's learning rates."""
        self.step_count += 1
        self._set_lrs(self._lrs_at(self.step_count))

    def _lrs_at(self, step):
        raise NotImplementedError

    def state_dict(self):
        """The schedule's progress as plain data (its settings come from its constructor)."""
        return {"step_count": self.step_count, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state):
        """Restore the progress saved by `state_dict()` (load the optimizer's own state too)."""
        self.step_count = int(state["step_count"])
        self.base_lrs = [float(lr) for lr in state["base_lrs"]]


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return value


def _non_negative_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{owner}: {name} must be an integer >= 0, got {value!r}")
    return value


def _positive(owner, name, value):
    checked = number(owner, name, value)
    if checked <= 0:
        raise ValueError(f"{owner}: {name} must be > 0, got {value!r}")
    return checked


class StepLR(LearningRateSchedule):
    """Multiply the learning rate by `gamma` every `step_size` steps (torch.optim.lr_scheduler.StepLR).

        lr = lr * gamma      at steps step_size, 2 * step_size, ...   (so lr_t = base_lr * gamma ** (t // step_size))

    Like torch's, it multiplies the optimizer's current lr, so a learning rate you change by hand
    carries on from there.
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer)
        self.step_size = _positive_int(self._name, "step_size", step_size)
        self.gamma = _positive(self._name, "gamma", gamma)

    def _lrs_at(self, step):
        lrs = self._current_lrs()
        return [lr * self.gamma for lr in lrs] if step % self.step_size == 0 else lrs


class ExponentialLR(LearningRateSchedule):
    """Multiply the learning rate by `gamma` at every step (torch.optim.lr_scheduler.ExponentialLR).

        lr = lr * gamma      (so lr_t = base_lr * gamma ** t)
    """

    def __init__(self, optimizer, gamma):
        super().__init__(optimizer)
        self.gamma = _positive(self._name, "gamma", gamma)

    def _lrs_at(self, step):
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealing(LearningRateSchedule):
    """Linear warm-up from 0 to the base learning rate, then cosine decay to `min_lr`.

        lr_t = base_lr * t / warmup_steps                                   for t < warmup_steps
        lr_t = min_lr + (base_lr - min_lr) * (1 + cos(pi * s)) / 2          for warmup_steps <= t <= total_steps,
               with s = (t - warmup_steps) / (total_steps - warmup_steps)
        lr_t = min_lr                                                       after total_steps

    t counts the calls to `step()`; the optimizer gets lr_0 when the schedule is made (0 with a
    warm-up). Arguments: total_steps (> warmup_steps), min_lr=0.0, warmup_steps=0.
    """

    def __init__(self, optimizer, total_steps, min_lr=0.0, warmup_steps=0):
        super().__init__(optimizer)
        self.total_steps = _positive_int(self._name, "total_steps", total_steps)
        self.warmup_steps = _non_negative_int(self._name, "warmup_steps", warmup_steps)
        self.min_lr = non_negative(self._name, "min_lr", min_lr)
        if self.warmup_steps >= self.total_steps:
            raise ValueError(
                f"{self._name}: warmup_steps ({warmup_steps}) must be less than total_steps ({total_steps}), "
                f"so that some steps are left for the decay"
            )
        self._set_lrs(self._lrs_at(0))

    def _lrs_at(self, step):
        if step < self.warmup_steps:
            return [base_lr * step / self.warmup_steps for base_lr in self._base_lrs()]
        progress = min(step - self.warmup_steps, self.total_steps - self.warmup_steps)
        cosine = (1 + math.cos(math.pi * progress / (self.total_steps - self.warmup_steps))) / 2
        return [self.min_lr + (base_lr - self.min_lr) * cosine for base_lr in self._base_lrs()]

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self._set_lrs(self._lrs_at(self.step_count))  # made anew, the schedule had set the lr of step 0


class ReduceLROnPlateau(LearningRateSchedule):
    """Multiply the learning rate by `factor` when a monitored value stops improving
    (torch.optim.lr_scheduler.ReduceLROnPlateau; Keras's callback of the same name).

    `step(metric)` counts the steps in a row where `metric` is not better than the best so far:

        better:  metric < best * (1 - threshold)    (mode "min", threshold_mode "rel")
                 metric < best - threshold          (mode "min", threshold_mode "abs"; "max" mirrors both)
        after more than `patience` such steps:  lr = max(lr * factor, min_lr)   (changes under eps are skipped)
        then `cooldown` steps during which bad steps are not counted.

    Arguments: mode="min" ("max" for accuracy), factor=0.1 (in (0, 1)), patience=10, threshold=1e-4,
    threshold_mode="rel", cooldown=0, min_lr=0.0 (a number, or one per parameter group), eps=1e-8.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        super().__init__(optimizer)
        name = self._name
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' (for a loss) or 'max' (for an accuracy), got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = in_range(name, "factor", factor, 0.0, 1.0)
        if self.factor == 0:
            raise ValueError(f"{name}: factor must be in (0, 1), got {factor!r}; 0.1 or 0.5 are usual")
        self.patience = _non_negative_int(name, "patience", patience)
        self.threshold = non_negative(name, "threshold", threshold)
        self.cooldown = _non_negative_int(name, "cooldown", cooldown)
        self.eps = non_negative(name, "eps", eps)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(self.base_lrs):
                raise ValueError(f"{name}: min_lr has {len(min_lr)} values but the optimizer has "
                                 f"{len(self.base_lrs)} parameter group(s)")
            self.min_lrs = [non_negative(name, "min_lr", value) for value in min_lr]
        else:
            self.min_lrs = [non_negative(name, "min_lr", min_lr)]
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_steps = 0
        self.cooldown_counter = 0

    def _is_better(self, value):
        best, threshold, relative = self.best, self.threshold, self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (best * (1 - threshold) if relative else best - threshold)
        return value > (best * (1 + threshold) if relative else best + threshold)

    def step(self, metric):
        """Record the monitored value (e.g. the validation loss) and reduce the lr after a plateau."""
        value = float(metric)
        self.step_count += 1
        if self._is_better(value):
            self.best, self.bad_steps = value, 0
        else:
            self.bad_steps += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.bad_steps = 0  # bad steps during the cooldown do not count
        if self.bad_steps > self.patience:
            self._reduce()
            self.cooldown_counter, self.bad_steps = self.cooldown, 0

    def _reduce(self):
        lrs = self._current_lrs()
        min_lrs = self.min_lrs * len(lrs) if len(self.min_lrs) == 1 else self.min_lrs
        if len(min_lrs) != len(lrs):
            raise ValueError(f"{self._name}: min_lr has {len(min_lrs)} values but the optimizer now has "
                             f"{len(lrs)} parameter groups")
        new_lrs = [max(lr * self.factor, low) for lr, low in zip(lrs, min_lrs)]
        self._set_lrs([new if old - new > self.eps else old for old, new in zip(lrs, new_lrs)])

    def state_dict(self):
        return {**super().state_dict(), "best": self.best, "bad_steps": self.bad_steps,
                "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.best = float(state["best"])
        self.bad_steps = int(state["bad_steps"])
        self.cooldown_counter = int(state["cooldown_counter"])
