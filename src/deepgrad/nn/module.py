"""Module: the base of every layer and network.

A module owns parameters (trained), buffers (saved but not trained, such as BatchNorm's running
statistics) and sub-modules. Assigning any of them as an attribute registers it, lists and
dicts of them included, as PyTorch's `nn.Module` does.

Layers follow Keras's lifecycle: `__init__` stores the configuration, `build(input_shape)` makes
the weights at the first call (so a layer needs no input size), `forward` does the maths, and
`get_config` returns what `__init__` needs to make the layer again.
"""

import functools
import itertools
import re
from collections import defaultdict

from deepgrad.engine import backend
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.tensor import Tensor
from deepgrad.nn.parameter import Parameter
from deepgrad.training.workflow import TrainingMixin

_name_counters = defaultdict(itertools.count)
LAYER_CLASSES = {}  # class name -> class, so that a model can be rebuilt from its config


def _snake_case(name):
    """Keras's layer names: "BatchNorm" -> "batch_norm", "Conv2DTranspose" -> "conv2d_transpose"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])", "_", name).lower()


def registered_name(cls):
    """The name a layer class is saved under: its own name for deepgrad's layers, the dotted path
    for others, so that a user's class called "Dense" never replaces deepgrad's."""
    if cls.__module__.startswith("deepgrad."):
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def _marking_built(build):
    @functools.wraps(build)
    def marked(self, input_shape=None, *args, **kwargs):
        build(self, input_shape, *args, **kwargs)
        self.built = True
        if input_shape is not None and getattr(self, "input_shape", None) is None:
            self.input_shape = (None, *tuple(input_shape)[1:])  # what saving needs to build it again

    return marked


class Module(TrainingMixin):
    """Base class for layers and networks: subclass it and define `forward`.

        >>> class TwoLayers(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Dense(16, activation="relu")
        ...         self.output = nn.Dense(1)
        ...     def forward(self, x):
        ...         return self.output(self.hidden(x))
    """

    input_dtype = "float32"  # what build() feeds a dummy batch of; Embedding takes integer ids

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES[registered_name(cls)] = cls
        if "build" in cls.__dict__:  # build() called directly also marks the layer built, as in Keras
            cls.build = _marking_built(cls.__dict__["build"])

    def __init__(self, name=None):
        object.__setattr__(self, "_buffer_names", set())
        self.training = True
        self.built = False
        self.device = "cpu"  # where build() puts new weights: the device of the first input
        if name is None:  # Keras's naming: dense, dense_1, dense_2...
            number = next(_name_counters[type(self).__name__])
            name = _snake_case(type(self).__name__) + (f"_{number}" if number else "")
        self.name = name

    # --- the lifecycle ------------------------------------------------------------------
    def build(self, input_shape):
        """Make the weights, knowing the shape of the first input. Layers without weights, and
        modules that make theirs in `__init__`, need not override it."""

    def forward(self, *inputs, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, ...)")

    def __call__(self, *inputs, **kwargs):
        if not self.built:
            first = inputs[0] if inputs else None
            if isinstance(first, Tensor):
                self.device = first.device
                self.input_shape = (None, *first.shape[1:])  # the batch size may change
            self.build(tuple(first.shape) if isinstance(first, Tensor) else None)
            self.built = True
        out = self.forward(*inputs, **kwargs)
        if isinstance(out, Tensor) and out.ndim:
            self.output_shape = (None, *out.shape[1:])  # for summary()
        return out

    def add_weight(self, shape, initializer, trainable=True):
        """A new Parameter (or, when not trainable, a plain tensor) of `shape`, filled by
        `initializer` (a name such as "glorot_uniform", or a callable (shape, dtype) -> array)."""
        from deepgrad.nn import initializers

        values = initializers.get(initializer)(tuple(shape), dtype="float32")
        values = backend.to_device(values, self.device)
        return Parameter(values) if trainable else Tensor(values)
    def get_config(self):
        """The arguments of `__init__` that make this layer again (see `from_config`)."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def serialize(self):
        """{"class_name", "config"}: enough to make the layer again with `nn.deserialize`."""
        return {"class_name": registered_name(type(self)), "config": self.get_config()}

    # --- registration -------------------------------------------------------------------
    def register_buffer(self, name, value):
        """Keep `value` (a Tensor or None) as state that is saved but not trained."""
        self._buffer_names.add(name)
        object.__setattr__(self, name, value if value is None or isinstance(value, Tensor) else Tensor(value))

    def __setattr__(self, name, value):
        if name in self.__dict__.get("_buffer_names", ()) and value is not None and not isinstance(value, Tensor):
            value = Tensor(value)
        object.__setattr__(self, name, value)

    def _members(self):
        """(name, value) of every attribute that holds a module or parameter, lists and dicts
        unfolded with dotted names, in the order they were assigned."""
        for name, value in self.__dict__.items():
            if isinstance(value, (Module, Tensor)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Module, Tensor)):
                        yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, (Module, Tensor)):
                        yield f"{name}.{key}", item

    def named_children(self):
        return [(name, value) for name, value in self._members() if isinstance(value, Module)]

    def children(self):
        return [module for _, module in self.named_children()]

    def named_modules(self, prefix=""):
        """This module and every module inside it, with dotted names."""
        found = [(prefix, self)]
        for name, child in self.named_children():
            found.extend(child.named_modules(f"{prefix}.{name}" if prefix else name))
        return found

    def modules(self):
        return [module for _, module in self.named_modules()]

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) for every parameter, each once."""
        seen, found = set(), []
        for module_name, module in self.named_modules(prefix):
            for name, value in module._members():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    found.append((f"{module_name}.{name}" if module_name else name, value))
        return found

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        found = []
        for module_name, module in self.named_modules():
            for name in sorted(module._buffer_names):
                value = getattr(module, name)
                if value is not None:
                    found.append((f"{module_name}.{name}" if module_name else name, value))
        return found

    # --- state --------------------------------------------------------------------------
    def state_dict(self):
        """{dotted name: NumPy array} of every parameter and buffer (copies, on the host)."""
        state = {name: backend.to_host(p.data).copy() for name, p in self.named_parameters()}
        state.update({name: backend.to_host(b.data).copy() for name, b in self.named_buffers()})
        return state

    def check_state_dict(self, state, strict=True, source=None):
        """Check that `state` fits this module, changing nothing; returns (missing, unexpected) names.

        With `strict`, missing and unexpected names are an error (KeyError) that lists them; a
        shape that differs is always an error (ShapeError). `source` (a file name) goes into the
        messages.
        """
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        prefix = f"{source}: " if source else "load_state_dict: "
        if not own and state:
            raise RuntimeError(
                f"{prefix}{self.name} has no weights yet: its layers make them at the first call. Call the model "
                f"on a batch of inputs (or model.build(input_shape)) before loading {source or 'weights'}"
            )
        missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
        if strict and (missing or unexpected):
            raise KeyError(
                f"{prefix}missing keys {missing}, unexpected keys {unexpected}. Was it saved from another "
                f"architecture? strict=False loads the names both have"
            )
        where = "the file" if source else "the state"
        for name in sorted(own.keys() & state.keys()):
            if tuple(state[name].shape) != tuple(own[name].shape):
                raise ShapeError(
                    f"{prefix}'{name}' has shape {tuple(state[name].shape)} in {where} but {tuple(own[name].shape)} "
                    f"in {self.name}; the model was built with other sizes than the one that was saved"
                )
        return missing, unexpected

    def load_state_dict(self, state, strict=True):
        """Copy values from `state` into the parameters and buffers of the same names, after
        checking them all (`check_state_dict`), so that a failed load changes nothing.
        Returns (missing, unexpected) names."""
        state = {name: value.numpy() if isinstance(value, Tensor) else value for name, value in state.items()}
        missing, unexpected = self.check_state_dict(state, strict)
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        for name in own.keys() & state.keys():
            target = own[name]
            target.data[...] = backend.array_module(target.data).asarray(state[name], dtype=target.data.dtype)
        return missing, unexpected

    # --- modes and devices --------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses batch statistics); returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Inference mode: dropout off, batch norm uses its running statistics; returns self."""
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def save_weights(self, path):
        """Write the weights to a safetensors file (atomically); see `deepgrad.saving`."""
        from deepgrad import saving

        saving.save_weights(self, path)

    def load_weights(self, path, strict=True):
        """Read weights written by `save_weights` into this (built) model."""
        from deepgrad import saving

        return saving.load_weights(self, path, strict=strict)

    def save(self, path):
        """Save architecture (JSON) and weights (safetensors) to the folder `path`; `dg.load` reads it."""
        from deepgrad import saving

        saving.save(self, path)

    def to(self, device):
        """Move every parameter and buffer to `device` ("cpu" or "gpu"), in place; returns self."""
        device = backend.check_device(device)
        for module in self.modules():
            module.device = device
        for _, tensor in self.named_parameters() + self.named_buffers():
            tensor.data = backend.to_device(tensor.data, device)
            if tensor.grad is not None:
                tensor.grad = Tensor(backend.to_device(tensor.grad.data, device))
        return self

    def __repr__(self):
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")


def deserialize(spec):
    """Make a layer from `{"class_name": ..., "config": ...}`, as written by `Module.serialize`."""
    try:
        cls = LAYER_CLASSES[spec["class_name"]]
    except KeyError:
        raise ValueError(
            f"unknown layer class {spec.get('class_name')!r}; define (import) it before rebuilding the model"
        ) from None
    return cls.from_config(dict(spec["config"]))


def call_on_dummy_batch(module, input_shape, layers=None, dtype=None):
    """Build `module`'s lazy layers as a first call would: run a batch of one of zeros of
    `input_shape` (None for the batch axis) through `layers` (default: the module itself), in eval
    mode and without gradients, so that nothing is recorded and BatchNorm's statistics stay as they are."""
    from deepgrad.engine.autograd import no_grad
    from deepgrad.engine.creation import zeros

    modes = [m.training for m in module.modules()]
    module.eval()
    try:
        with no_grad():
            x = zeros((1, *input_shape[1:]), dtype=dtype or module.input_dtype, device=module.device)
            for layer in layers if layers is not None else [module]:
                x = layer(x)
    finally:
        for m, mode in zip(module.modules(), modes):
            m.training = mode
