"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

import math

from deepgrad.engine.backend import array_module
from deepgrad.optim.optimizer import Optimizer, flag, in_range, non_negative

_BETAS_HINT = "; the usual values are betas=(0.9, 0.999)"


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), PyTorch's update rule.

    For each parameter p with gradient g, at step t = 1, 2, ... (m, v, v_max start at zero):

        g = g + weight_decay * p                        (L2 penalty, when weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)          with amsgrad, and v_max replaces v below
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Arguments: params (tensors or groups, or None to give them later), lr=1e-3,
    betas=(0.9, 0.999) (each in [0, 1)), eps=1e-8, weight_decay=0.0, amsgrad=False.

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()                     # the first step moves each weight by lr against its gradient
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -1.9]
    """

    decoupled_weight_decay = False

    def __init__(self, params=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
        super().__init__(params, defaults)

    def _check_group(self, group):
        group = super()._check_group(group)
        name = self._name
        betas = group["betas"]
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}{_BETAS_HINT}")
        group["betas"] = tuple(in_range(name, f"betas[{i}]", beta, 0.0, 1.0, hint=_BETAS_HINT)
                               for i, beta in enumerate(betas))
        group["eps"] = non_negative(name, "eps", group["eps"])
        group["weight_decay"] = non_negative(name, "weight_decay", group["weight_decay"])
        group["amsgrad"] = flag(name, "amsgrad", group["amsgrad"])
        return group

    def _update(self, param, grad, state, group):
        xp = array_module(param.data)
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)
            state["exp_avg_sq"] = xp.zeros_like(param.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param.data)
        state["step"] += 1
        step, lr, (beta1, beta2) = state["step"], group["lr"], group["betas"]
        m, v = state["exp_avg"], state["exp_avg_sq"]

        if group["weight_decay"] != 0:
            if self.decoupled_weight_decay:
                param.data *= 1 - lr * group["weight_decay"]
            else:
                grad = grad + group["weight_decay"] * param.data  # a new array: param.grad stays as it was
        # m moves a fraction (1 - beta1) of the way to g, as torch's lerp does. Each temporary is
        # made once and scaled in place (0-d temporaries are NumPy scalars: `*=` rebinds them).
        step_to_grad = grad - m
        step_to_grad *= 1 - beta1
        m += step_to_grad
        grad_squared = grad * grad
        grad_squared *= 1 - beta2
        v *= beta2
        v += grad_squared
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]

        denominator = xp.sqrt(v)
        denominator /= math.sqrt(1 - beta2**step)
        denominator += group["eps"]
        update = m / denominator
        update *= lr / (1 - beta1**step)
        param.data -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019), PyTorch's update rule.

    The same as Adam, except that the weights decay directly instead of through the gradient:

        p = p * (1 - lr * weight_decay)                 (before the Adam step; g is left alone)
        m, v, v_max and the step on p as in Adam

    Arguments: params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False.

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()                     # w * (1 - 0.1 * 0.5), then the Adam step of 0.1
        >>> [round(x, 4) for x in w.tolist()]
        [0.85, -1.8]
    """

    decoupled_weight_decay = True

    def __init__(self, params=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
