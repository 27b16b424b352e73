"""The Tensor: an array, the gradient it will receive, and the op that made it.

A tensor made by an op that needs gradients remembers its inputs (`_parents`) and a closure
(`_backward`) that turns the gradient of the output into gradients of the inputs. That chain
of closures is the tape that `backward()` walks (see autograd.py). Leaves, the tensors you
create yourself, have no `_backward`.

Arithmetic operators and math methods (`+`, `@`, `.sum()`, `.exp()`...) are attached to the
class in `deepgrad/engine/ops/__init__.py`, next to the ops they call.
"""

from deepgrad.engine import backend, dtypes
from deepgrad.engine.errors import GradientError

_PLAIN_DTYPES = (dtypes.DEFAULT_FLOAT, dtypes.DEFAULT_INT, dtypes.bool_)


class Tensor:
    """An n-dimensional array that can record the ops applied to it for backpropagation.

    Create tensors with `dg.tensor(data, requires_grad=True)` or the constructors
    (`dg.zeros`, `dg.randn`, ...); `Tensor(array)` wraps an array without copying it.

        >>> import deepgrad as dg
        >>> x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 4.0, 6.0]
    """

    __slots__ = ("data", "grad", "_requires_grad", "_parents", "_backward", "_op", "_origin", "__weakref__")
    __array_ufunc__ = None  # ndarray + Tensor defers to Tensor.__radd__ instead of looping over it

    def __init__(self, data, requires_grad=False):
        if not backend.is_array(data):  # Python numbers and lists follow dg.tensor's dtype rules
            data = backend.ensure_array(data) if isinstance(data, backend.numpy.generic) else dtypes.to_array(data)
        self.data = data
        self.grad = None
        self._requires_grad = False
        self._parents = ()
        self._backward = None
        self._op = None
        self._origin = None
        if requires_grad:
            self.requires_grad = True

    # --- what it is ---------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and not dtypes.is_floating(self.data.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients, but this one has dtype "
                f"{self.data.dtype}; convert it first, e.g. t.astype('float32')"
            )
        if not flag and self._backward is not None:
            raise GradientError("cannot turn off requires_grad of a tensor made by an op; use .detach()")
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag=True):
        """Set `requires_grad` in place and return the tensor (PyTorch's spelling)."""
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self):
        """True for tensors you created, False for results of ops that record gradients."""
        return self._op is None

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        host = backend.to_host(self.data)
        body = backend.host_numpy().array2string(host, separator=", ", prefix="tensor(")
        extras = [] if host.dtype in _PLAIN_DTYPES else [f"dtype={host.dtype}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._op is not None:
            extras.append(f"op={self._op}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    # --- conversion ---------------------------------------------------------------------
    def numpy(self):
        """The values as a NumPy array on the host (shares memory on the CPU)."""
        return backend.to_host(self.data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        return array.copy() if copy else array

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, but this one has shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.numpy().tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def detach(self):
        """A new leaf tensor that shares the values but is cut off from the graph."""
        return Tensor(self.data)

    # --- backpropagation ----------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Backpropagate from this tensor, adding d(self)/d(leaf) into every leaf's `.grad`.

        `grad` is the gradient of some final scalar with respect to this tensor; it may be left
        out when this tensor is a scalar (it is then 1). The graph is released afterwards unless
        `retain_graph=True`, so that its saved arrays are freed.
        """
        from deepgrad.engine.autograd import backward

        backward(self, grad, retain_graph=retain_graph)

    def zero_grad(self):
        self.grad = None
