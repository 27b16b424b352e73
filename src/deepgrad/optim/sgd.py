"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from deepgrad.engine.backend import array_module
from deepgrad.optim.optimizer import Optimizer, flag, in_range, non_negative


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's update rule.

    For each parameter p with gradient g, learning rate lr, at step t (buffer b, made at t = 1):

        g = g + weight_decay * p                        (when weight_decay != 0)
        b = g                          at t = 1         (when momentum != 0)
        b = momentum * b + (1 - dampening) * g          at t > 1
        g = g + momentum * b           with nesterov, else   g = b
        p = p - lr * g

    Arguments: params (tensors or groups, or None to give them later), lr=0.01, momentum=0.0,
    nesterov=False (needs momentum > 0 and dampening = 0), weight_decay=0.0 (L2), dampening=0.0.

        >>> import deepgrad as dg
        >>> from deepgrad import optim
        >>> w = dg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()          # gradient 2w = [2, -4]
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.8, -1.6]
    """

    # The order of SPEC.md (dampening, which the tutorial does not use, comes last); PyTorch's
    # positional order differs (lr, momentum, dampening, weight_decay, nesterov): pass them by name.
    def __init__(self, params=None, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0, dampening=0.0):
        defaults = {"lr": lr, "momentum": momentum, "nesterov": nesterov, "weight_decay": weight_decay,
                    "dampening": dampening}
        super().__init__(params, defaults)

    def _check_group(self, group):
        group = super()._check_group(group)
        name = self._name
        group["momentum"] = non_negative(name, "momentum", group["momentum"])
        group["dampening"] = in_range(name, "dampening", group["dampening"], 0.0, 1.0, include_high=True)
        group["nesterov"] = flag(name, "nesterov", group["nesterov"])
        group["weight_decay"] = non_negative(name, "weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] == 0 or group["dampening"] != 0):
            raise ValueError(
                f"{name}: nesterov=True needs momentum > 0 and dampening = 0, got momentum={group['momentum']} "
                f"and dampening={group['dampening']}; use a momentum such as 0.9 with dampening=0, or nesterov=False"
            )
        return group

    def _update(self, param, grad, state, group):
        # `grad` belongs to param.grad: rebind it (g = g + ...), never write into it.
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.data
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                # xp.array copies, and keeps a 0-d gradient an array (NumPy scalars cannot be updated in place)
                buffer = state["momentum_buffer"] = array_module(param.data).array(grad, dtype=param.dtype)
            else:
                buffer *= momentum
                dampening = group["dampening"]
                buffer += grad if dampening == 0 else (1 - dampening) * grad  # no temporary in the usual case
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param.data -= group["lr"] * grad
