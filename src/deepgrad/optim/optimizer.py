"""The Optimizer base class: parameter groups, per-parameter state, `step()`, saving and loading.

An optimizer holds its parameters in *groups*, as PyTorch's do: each group is a dict with the
key "params" (a list of tensors) and one value for every hyperparameter (lr, momentum, ...).
Hyperparameters given to the constructor are the defaults that fill in what a group leaves out,
so one model can train its biases with another learning rate than its weights:

    >>> import deepgrad as dg
    >>> from deepgrad import optim
    >>> w, b = dg.zeros((3, 2), requires_grad=True), dg.zeros(2, requires_grad=True)
    >>> opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01)
    >>> [group["lr"] for group in opt.param_groups]
    [0.01, 0.1]

Subclasses check their hyperparameters in `_check_group` and write the update rule of one
parameter in `_update`; this class does the rest.
"""

import math
import numbers

from deepgrad.engine import backend
from deepgrad.engine.autograd import enable_grad, no_grad
from deepgrad.engine.errors import DeviceError, ShapeError
from deepgrad.engine.tensor import Tensor


class Optimizer:
    """Base class of the optimizers: `step()`, `zero_grad()`, `lr`, `state_dict()`, `load_state_dict()`.

    `params` is an iterable of tensors, or of dicts {"params": tensors, hyperparameter: value};
    it may be None when the optimizer is handed to `model.compile` (or `add_param_group`) later.
    `defaults` maps every hyperparameter to the value a group gets when it does not name one.
    """

    def __init__(self, params, defaults):
        self.defaults = self._check_group(dict(defaults))
        self.param_groups = []
        self.state = {}  # parameter -> {name: array or number}; Tensor hashes by identity
        if params is None:
            return
        if isinstance(params, Tensor):
            raise TypeError(
                f"{self._name}: params must be an iterable of tensors or of dicts, but got a single "
                f"tensor of shape {params.shape}; wrap it in a list: [tensor]"
            )
        if isinstance(params, dict):
            raise TypeError(f"{self._name}: params must be a list of groups, got one dict; wrap it in a list: [group]")
        params = list(params)
        if not params:
            raise ValueError(
                f"{self._name} got an empty list of parameters; pass model.parameters() after the model "
                f"was built, or params=None and give them later with add_param_group / model.compile"
            )
        groups = params if all(isinstance(p, dict) for p in params) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self):
        return type(self).__name__

    # --- groups ---------------------------------------------------------------------------
    def add_param_group(self, group):
        """Add a group {"params": tensors, hyperparameter: value, ...}; missing values come from the defaults."""
        if not isinstance(group, dict):
            raise TypeError(
                f"{self._name}.add_param_group takes a dict like {{'params': model.parameters(), 'lr': 0.1}}, "
                f"got {type(group).__name__}"
            )
        if "params" not in group:
            raise ValueError(f"{self._name}: a parameter group needs the key 'params', got keys {sorted(group)}")
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise ValueError(
                f"{self._name}: unknown hyperparameter(s) {unknown} in a parameter group; "
                f"{self._name} takes {sorted(self.defaults)}"
            )
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        new_group = self._check_group({**self.defaults, **{k: v for k, v in group.items() if k != "params"}})
        new_group["params"] = self._check_params(params, len(self.param_groups))
        self.param_groups.append(new_group)

    def _check_params(self, params, group_index):
        if not params:
            raise ValueError(f"{self._name}: parameter group {group_index} has no parameters")
        taken = {id(p): i for i, group in enumerate(self.param_groups) for p in group["params"]}
        mine = set()
        for i, p in enumerate(params):
            where = f"parameter {i} of group {group_index}"
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{self._name}: {where} is a {type(p).__name__}, not a Tensor; "
                    f"pass model.parameters() or a list of tensors created with requires_grad=True"
                )
            if not p.requires_grad:
                raise ValueError(
                    f"{self._name}: {where} (shape {p.shape}) does not require gradients, so it would never "
                    f"be updated; create it with requires_grad=True or leave it out"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{self._name}: {where} (shape {p.shape}) is the result of an op, not a leaf tensor you created; "
                    f"an optimizer updates leaves only (use t.detach().requires_grad_())"
                )
            if id(p) in mine or id(p) in taken:
                other = group_index if id(p) in mine else taken[id(p)]
                raise ValueError(
                    f"{self._name}: {where} (shape {p.shape}) is given twice (it is already in group {other}); "
                    f"each parameter may appear once, in one group"
                )
            mine.add(id(p))
        return params

    def _check_group(self, group):
        """Check and normalise the hyperparameters in `group` (subclasses extend this)."""
        group["lr"] = non_negative(self._name, "learning rate lr", group["lr"])
        return group

    # --- the learning rate ----------------------------------------------------------------
    @property
    def lr(self):
        """The learning rate of the first group (or the default one while there are no groups)."""
        return self.param_groups[0]["lr"] if self.param_groups else self.defaults["lr"]

    @lr.setter
    def lr(self, value):
        value = non_negative(self._name, "learning rate lr", value)
        self.defaults["lr"] = value  # groups added later (model.compile) get it too
        for group in self.param_groups:
            group["lr"] = value

    # --- training ---------------------------------------------------------------------------
    def zero_grad(self):
        """Set `.grad` of every parameter to None (the next backward() starts from nothing)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place; parameters whose `.grad` is None are skipped.

        `closure`, when given, is called first (with gradients on) to recompute the loss, which
        `step` then returns, as in PyTorch.
        """
        if not self.param_groups:
            raise RuntimeError(
                f"{self._name} has no parameters to update: pass them when creating it "
                f"({self._name}(model.parameters(), ...)), or give it to model.compile(optimizer=...) "
                f"or call add_param_group({{'params': ...}}) first"
            )
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # Every gradient is checked before any parameter changes, so a bad one leaves no half-done step.
        updates = [(p, self._gradient_of(p), group) for group in self.param_groups for p in group["params"]
                   if p.grad is not None]
        with no_grad():
            for p, grad, group in updates:
                self._update(p, grad, self.state.setdefault(p, {}), group)
        return loss

    def _gradient_of(self, p):
        """The array of `p.grad`, checked against `p`; optimizers read it and never write to it."""
        grad = p.grad
        if not isinstance(grad, Tensor):
            raise TypeError(
                f"{self._name}: a parameter's .grad must be a Tensor or None, got {type(grad).__name__}; "
                f"wrap an array with dg.Tensor(array)"
            )
        if grad.shape != p.shape:
            raise ShapeError(f"{self._name}: a parameter of shape {p.shape} has a .grad of shape {grad.shape}")
        if grad.dtype != p.dtype:
            raise TypeError(
                f"{self._name}: a parameter of dtype {p.dtype} has a .grad of dtype {grad.dtype}; "
                f"give it a gradient of the same dtype (grad.astype('{p.dtype}'))"
            )
        if grad.device != p.device:
            raise DeviceError(f"{self._name}: a parameter on {p.device!r} has a .grad on {grad.device!r}")
        return grad.data

    def _update(self, param, grad, state, group):
        """Update `param.data` in place from the gradient array `grad`; `state` is the parameter's own dict."""
        raise NotImplementedError

    # --- saving and loading -----------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as plain data: hyperparameters per group and arrays per parameter.

        {"param_groups": [{"lr": 0.01, ..., "params": [0, 1]}, ...], "state": {0: {"step": 3, ...}}}:
        parameters are numbered in group order, as in PyTorch; arrays are NumPy copies.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            saved = {key: _plain(value) for key, value in group.items() if key != "params"}
            saved["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {key: _plain(value) for key, value in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned, onto this optimizer's parameters (same groups and sizes)."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{self._name}.load_state_dict expects the dict from state_dict(), with keys "
                             f"'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{self._name} has {len(self.param_groups)} parameter group(s) but the state_dict has "
                f"{len(saved_groups)}; create the optimizer over the same groups before loading"
            )
        new_groups, by_index = [], {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{self._name}: parameter group {i} has {len(group['params'])} parameter(s) but the "
                    f"state_dict's group {i} has {len(saved['params'])}"
                )
            keys = set(saved) - {"params"}
            if keys != set(self.defaults):
                raise ValueError(
                    f"{self._name}: the state_dict's group {i} has hyperparameters {sorted(keys)}, but "
                    f"{self._name} has {sorted(self.defaults)}; was it saved from another optimizer?"
                )
            new_group = self._check_group({key: saved[key] for key in keys})
            new_group["params"] = group["params"]
            new_groups.append(new_group)
            by_index.update(zip((int(k) for k in saved["params"]), group["params"]))
        new_state = {}
        for key, entries in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"{self._name}: the state_dict has state for parameter {key}, which no group lists")
            new_state[p] = {name: _restored(self._name, name, value, p) for name, value in entries.items()}
        self.param_groups, self.state = new_groups, new_state

    def __repr__(self):
        lines = [f"{self._name}("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} parameter(s), {settings}")
        if not self.param_groups:
            lines.append("  no parameters yet, " + ", ".join(f"{k}={v!r}" for k, v in self.defaults.items()))
        return "\n".join(lines) + "\n)"


def _plain(value):
    """`value` as plain data: a NumPy copy for an array, a list for a tuple."""
    if backend.is_array(value):
        return backend.to_host(value).copy()
    if isinstance(value, tuple):
        return list(value)
    return value


def _restored(owner, name, value, p):
    """A saved state entry made ready for parameter `p`: arrays copied onto its device, in its dtype."""
    if not backend.is_array(value):
        return value
    if value.shape != p.shape:
        raise ShapeError(
            f"{owner}: the saved state {name!r} has shape {value.shape} but its parameter has shape {p.shape}; "
            f"load it into an optimizer over the same parameters"
        )
    return backend.to_device(backend.to_host(value).astype(p.dtype), p.device)


# --- checks shared by the optimizers ------------------------------------------------------------
def number(owner, name, value):
    """`value` as a finite Python float, or a TypeError/ValueError that names it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    return value


def non_negative(owner, name, value):
    checked = number(owner, name, value)
    if checked < 0:
        raise ValueError(f"{owner}: {name} must be >= 0, got {value!r}")
    return checked


def in_range(owner, name, value, low, high, include_high=False, hint=""):
    """`value` as a float in [low, high) (or [low, high]), or a ValueError that names it."""
    checked = number(owner, name, value)
    if not (low <= checked < high or (include_high and checked == high)):
        interval = f"[{low}, {high}{']' if include_high else ')'}"
        raise ValueError(f"{owner}: {name} must be in {interval}, got {value!r}{hint}")
    return checked


def flag(owner, name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return value
