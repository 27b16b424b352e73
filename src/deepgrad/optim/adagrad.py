"""Adagrad: per-weight learning rates that shrink with the sum of squared gradients seen so far."""

from deepgrad.engine.backend import array_module
from deepgrad.optim.optimizer import Optimizer, non_negative


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan and Singer, 2011), PyTorch's update rule.

    For each parameter p with gradient g, at step t = 1, 2, ... (s starts at initial_accumulator_value):

        g = g + weight_decay * p                        (when weight_decay != 0)
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - lr_t * g / (sqrt(s) + eps)

    Arguments: params (tensors or groups, or None to give them later), lr=0.01, lr_decay=0.0,
    weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10.

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()                     # the first step is lr * g / |g| = 0.1 per weight
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -1.9]
    """

    def __init__(self, params=None, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps}
        super().__init__(params, defaults)

    def _check_group(self, group):
        group = super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[key] = non_negative(self._name, key, group[key])
        return group

    def _update(self, param, grad, state, group):
        xp = array_module(param.data)
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(param.data, group["initial_accumulator_value"])
        state["step"] += 1

        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.data  # a new array: param.grad stays as it was
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        denominator = xp.sqrt(state["sum"])
        denominator += group["eps"]
        update = grad / denominator
        update *= lr_t
        param.data -= update
