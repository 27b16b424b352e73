"""Check autograd against central finite differences, in float64."""

from deepgrad.engine import backend
from deepgrad.engine.autograd import grad, no_grad
from deepgrad.engine.errors import GradientCheckError
from deepgrad.engine.ops import astype, mul, sum
from deepgrad.engine.tensor import Tensor

_np = backend.host_numpy()


def check_gradients(fn, *inputs, eps=1e-3, atol=1e-5, rtol=1e-3, seed=0):
    """Compare the gradients of `fn(*inputs)` from autograd with central finite differences.

    Every floating-point tensor among `inputs` is copied to float64 and differentiated; other
    arguments are passed through. A non-scalar output is reduced to the scalar Σ w·fn(x) with
    fixed random weights w, so every output element is checked. Each element x_j gets the
    numerical derivative (f(x + eps·e_j) - f(x - eps·e_j)) / (2·eps).

    Returns True, or raises GradientCheckError naming the worst mismatch.

        >>> x = dg.randn(3, 4)
        >>> dg.check_gradients(lambda t: (t * t).sum(), x)
        True
    """
    args = list(inputs)
    checked = []
    for position, value in enumerate(args):
        if isinstance(value, Tensor) and value.dtype.kind == "f":
            # C order, so that the flat view below perturbs the leaf itself (an F-ordered copy would not)
            xp = backend.array_module(value.data)
            args[position] = Tensor(xp.array(value.data, dtype="float64", order="C"), requires_grad=True)
            checked.append(position)
    if not checked:
        raise ValueError("check_gradients needs at least one floating-point tensor among the inputs")

    output = fn(*args)
    if not isinstance(output, Tensor):
        raise TypeError(f"check_gradients: fn must return a Tensor, got {type(output).__name__}")
    xp = backend.array_module(output.data)
    weights = xp.asarray(_np.random.default_rng(seed).standard_normal(output.shape))

    def objective():
        with no_grad():
            return float((fn(*args).data.astype("float64") * weights).sum())

    projected = sum(mul(astype(output, "float64"), Tensor(weights)))
    analytic = grad(projected, [args[p] for p in checked], allow_unused=True)

    for position, autograd_grad in zip(checked, analytic):
        leaf = args[position]
        values = leaf.data
        found = xp.zeros_like(values) if autograd_grad is None else autograd_grad.data
        numeric = xp.zeros_like(values)
        flat = values.reshape(-1)  # a view: changing it changes the leaf
        for j in range(flat.size):
            original = flat[j].item()
            flat[j] = original + eps
            plus = objective()
            flat[j] = original - eps
            minus = objective()
            flat[j] = original
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        excess = xp.abs(found - numeric) - (atol + rtol * xp.abs(numeric))
        if excess.size and bool((excess > 0).any()):
            worst = tuple(int(i) for i in _np.unravel_index(int(excess.argmax()), values.shape))
            bad = int((excess > 0).sum())
            raise GradientCheckError(
                f"gradient check failed for input {position} (shape {values.shape}) at index {worst}: "
                f"autograd gives {float(found[worst]):.6g}, finite differences give "
                f"{float(numeric[worst]):.6g} (atol={atol}, rtol={rtol}); {bad} of {values.size} "
                f"elements disagree"
            )
    return True
