"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from deepgrad.engine.backend import array_module
from deepgrad.optim.optimizer import Optimizer, flag, in_range, non_negative


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), PyTorch's update rule.

    For each parameter p with gradient g (v, g_avg and the buffer b start at zero):

        g = g + weight_decay * p                        (when weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g
        g_avg = alpha * g_avg + (1 - alpha) * g         (centered only)
        d = sqrt(v - g_avg * g_avg) + eps    if centered, else   d = sqrt(v) + eps
        b = momentum * b + g / d;   p = p - lr * b      when momentum > 0
        p = p - lr * g / d                              otherwise

    Arguments: params (tensors or groups, or None to give them later), lr=0.01, alpha=0.99
    (in [0, 1]), eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False.

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> opt.step()                     # the first step is lr / sqrt(1 - alpha) = 0.1 per weight
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -1.9]
    """

    def __init__(self, params=None, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
                    "centered": centered}
        super().__init__(params, defaults)

    def _check_group(self, group):
        group = super()._check_group(group)
        name = self._name
        group["alpha"] = in_range(name, "alpha", group["alpha"], 0.0, 1.0, include_high=True,
                                  hint="; it is the decay of the running average, 0.99 by default")
        group["eps"] = non_negative(name, "eps", group["eps"])
        group["weight_decay"] = non_negative(name, "weight_decay", group["weight_decay"])
        group["momentum"] = non_negative(name, "momentum", group["momentum"])
        group["centered"] = flag(name, "centered", group["centered"])
        return group

    def _update(self, param, grad, state, group):
        xp = array_module(param.data)
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(param.data)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param.data)
        state["step"] += 1
        alpha = group["alpha"]

        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.data  # a new array: param.grad stays as it was
        grad_squared = grad * grad
        grad_squared *= 1 - alpha
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += grad_squared

        if group["centered"]:
            grad_avg = state["grad_avg"]
            step_to_grad = grad - grad_avg  # grad_avg moves a fraction (1 - alpha) towards g, as torch's lerp
            step_to_grad *= 1 - alpha
            grad_avg += step_to_grad
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denominator = xp.sqrt(square_avg)
        denominator += group["eps"]

        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / denominator
            param.data -= group["lr"] * buffer
        else:
            update = grad / denominator
            update *= group["lr"]
            param.data -= update
