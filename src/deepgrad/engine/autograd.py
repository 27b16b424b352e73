"""Reverse-mode automatic differentiation (backpropagation).

Every op computes its output array and hands it to `record`, together with its inputs and a
`backward` closure: ``backward(grad_of_output) -> (grad_of_input_0, grad_of_input_1, ...)``.
`record` wraps the output in a Tensor and, when any input needs gradients, keeps the inputs and
the closure on it. That is the whole tape.

`backward` then visits each recorded tensor once, in reverse topological order, found with an
explicit stack (no recursion, so a 100,000-op chain is fine). Each closure's gradients are
reduced back to the shape of their input when broadcasting made them bigger, summed when a
tensor was used several times, and added into `.grad` at the leaves. Afterwards the closures
and the links between tensors are dropped, so the arrays saved for the backward pass are freed.
"""

import contextlib

from deepgrad.engine import anomaly, backend
from deepgrad.engine.errors import GradientError
from deepgrad.engine.tensor import Tensor


class _GradMode:
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class no_grad(contextlib.ContextDecorator):
    """Context manager and decorator: ops inside record nothing and need no gradients.

        >>> with dg.no_grad():
        ...     w -= 0.1 * w.grad

    As a decorator it may be written `@dg.no_grad()` or `@dg.no_grad`.
    """

    _enabled_inside = False

    def __new__(cls, function=None):
        self = super().__new__(cls)
        self._previous = []  # a stack, so that one instance may be entered again (recursion)
        return self(function) if callable(function) else self

    def __init__(self, function=None):
        pass  # all set in __new__, which also serves the bare-decorator form

    def __enter__(self):
        self._previous.append(_GradMode.enabled)
        _GradMode.enabled = self._enabled_inside

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous.pop()
        return False


class enable_grad(no_grad):
    """The opposite of `no_grad`: record ops again inside a `no_grad` block."""

    _enabled_inside = True


def record(data, parents, backward, op):
    """Wrap an op's output array in a Tensor, keeping `backward` when an input needs gradients.

    `parents` are the op's input tensors, in the order `backward` returns their gradients.
    """
    if type(data) is not backend.numpy.ndarray:
        data = backend.ensure_array(data, backend.array_module(parents[0].data) if parents else backend.numpy)
    out = Tensor.__new__(Tensor)
    out.data = data
    out.grad = None
    out._origin = None
    if _GradMode.enabled:
        for parent in parents:
            if parent._requires_grad:
                out._requires_grad = True
                out._parents = parents
                out._backward = backward
                out._op = op
                if anomaly.State.enabled:
                    anomaly.check_forward(out, op, parents)
                return out
    out._requires_grad = False
    out._parents = ()
    out._backward = None
    out._op = None
    if anomaly.State.enabled:
        anomaly.check_forward(out, op, parents)
    return out


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, so it gets `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad.reshape(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root):
    """The recorded tensors that `root` depends on, each once, inputs before outputs.

    A depth-first search with an explicit stack of (tensor, iterator over its parents): a
    tensor is emitted once all of its parents have been, and leaves are left out.
    """
    order, seen = [], {id(root)}
    stack = [(root, iter(root._parents))]
    while stack:
        tensor, parents = stack[-1]
        for parent in parents:
            if parent._op is not None and id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent._parents)))
                break
        else:
            stack.pop()
            order.append(tensor)
    return order


def _seed_gradient(output, grad):
    if grad is None:
        if output.data.size != 1:
            raise GradientError(
                f"backward() on a tensor of shape {output.shape} needs grad=...: pass the gradient "
                f"of the final scalar with respect to it (same shape), or reduce it to a scalar "
                f"first, e.g. loss.mean().backward()"
            )
        return backend.array_module(output.data).ones_like(output.data)
    grad = grad.data if isinstance(grad, Tensor) else grad
    grad = backend.array_module(output.data).asarray(grad, dtype=output.data.dtype)
    if grad.shape != output.shape:
        raise GradientError(f"backward() got grad of shape {grad.shape} for a tensor of shape {output.shape}")
    return grad.copy()  # the user's array may be changed later; .grad must not follow it


def _backpropagate(output, seed, retain_graph, wanted=None):
    """Push `seed` (d final / d output) back through the graph.

    With `wanted` (a dict id -> None), the gradients of those tensors are returned in it and no
    `.grad` is touched; without it, gradients are added into the leaves' `.grad`.
    """
    if not output._requires_grad:
        raise GradientError(
            "this tensor does not require gradients, so there is nothing to backpropagate: no input "
            "of the ops that made it had requires_grad=True, or it was computed under dg.no_grad()"
        )
    grads = {id(output): seed}
    given = set()  # ids of arrays already stored in some leaf's .grad during this pass
    check = anomaly.State.enabled
    for tensor in reversed(_topological_order(output)):
        grad = grads.pop(id(tensor), None)
        if grad is None:  # no gradient reached it (every path to it was cut by a None)
            if not retain_graph:
                tensor._backward, tensor._parents = None, ()
            continue
        if wanted is not None and id(tensor) in wanted:
            wanted[id(tensor)] = grad
        backward = tensor._backward
        if backward is None:
            if tensor._op is not None:
                raise GradientError(_RELEASED)
            if wanted is None:  # backward() called on a leaf itself
                _accumulate_leaf(tensor, grad, given)
            continue
        parent_grads = backward(grad)
        if check:
            anomaly.check_backward(tensor, parent_grads)
        for parent, parent_grad in zip(tensor._parents, parent_grads):
            if parent_grad is None or not parent._requires_grad:
                continue
            if parent_grad.shape != parent.data.shape:
                parent_grad = unbroadcast(parent_grad, parent.data.shape)
            if parent_grad.dtype != parent.data.dtype:
                parent_grad = parent_grad.astype(parent.data.dtype)
            if parent._op is None:  # a leaf: its gradient is final
                if wanted is not None:
                    if id(parent) in wanted:
                        previous = wanted[id(parent)]
                        wanted[id(parent)] = parent_grad if previous is None else previous + parent_grad
                else:
                    _accumulate_leaf(parent, parent_grad, given)
            else:
                previous = grads.get(id(parent))
                grads[id(parent)] = parent_grad if previous is None else previous + parent_grad
        if not retain_graph:
            tensor._backward, tensor._parents = None, ()


def _accumulate_leaf(leaf, grad, given):
    if leaf.grad is not None:
        leaf.grad = Tensor(leaf.grad.data + grad)
        return
    owner = grad if grad.base is None else grad.base
    if id(owner) in given or not getattr(grad.flags, "writeable", True) or not backend.is_array(grad):
        # Another leaf already holds these numbers (add's backward hands the same array to both
        # inputs), or they are a read-only broadcast view: give this leaf its own array.
        grad = backend.array_module(grad).array(grad)
        owner = grad
    given.add(id(owner))
    leaf.grad = Tensor(grad)


_RELEASED = (
    "this graph was already backpropagated through and its saved arrays were freed; if you need "
    "to call backward() twice, pass retain_graph=True the first time"
)


def backward(output, grad=None, retain_graph=False):
    """Backpropagate from `output`, adding gradients into `.grad` of every leaf that needs them."""
    _backpropagate(output, _seed_gradient(output, grad), retain_graph)


def grad(output, inputs, grad_output=None, retain_graph=False, allow_unused=False):
    """The gradients of `output` with respect to `inputs`, as a list, leaving `.grad` alone.

        >>> x = dg.tensor(3.0, requires_grad=True)
        >>> dg.grad(x * x, [x])[0].item()
        6.0
    """
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for tensor in inputs:
        if not isinstance(tensor, Tensor) or not tensor._requires_grad:
            raise GradientError("every input of dg.grad must be a tensor with requires_grad=True")
    wanted = {id(t): None for t in inputs}
    _backpropagate(output, _seed_gradient(output, grad_output), retain_graph, wanted)
    results = []
    for tensor in inputs:
        found = wanted[id(tensor)]
        if found is None and not allow_unused:
            raise GradientError(
                f"an input of shape {tensor.shape} was not used to compute the output, so it has no "
                f"gradient; pass allow_unused=True to get None for it"
            )
        results.append(None if found is None else Tensor(found))
    return results
