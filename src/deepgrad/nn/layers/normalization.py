"""Normalisation layers: BatchNorm and LayerNorm."""

from deepgrad.engine import ops
from deepgrad.engine.autograd import no_grad
from deepgrad.engine.errors import ShapeError
from deepgrad.nn.module import Module


class BatchNorm(Module):
    """Normalises each channel (axis 1) over the batch, then scales and shifts it:
    y = (x - mean) / sqrt(var + epsilon) · weight + bias.

    In training the mean and (biased) variance come from the batch, and the running statistics
    follow PyTorch's rule: running = (1 - momentum)·running + momentum·batch, with the unbiased
    batch variance. In eval mode the running statistics are used. Inputs of 2, 3 or 4 axes:
    (N, C), (N, C, L) or (N, C, H, W).
    """

    def __init__(self, momentum=0.1, epsilon=1e-5, name=None):
        super().__init__(name)
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm momentum must be in [0, 1], got {momentum!r}")
        self.momentum, self.epsilon = momentum, epsilon
        self.weight = self.bias = None

    def build(self, input_shape):
        if input_shape is None or len(input_shape) not in (2, 3, 4):
            raise ShapeError(
                f"BatchNorm '{self.name}' takes (N, C), (N, C, L) or (N, C, H, W) inputs, got {input_shape}"
            )
        channels = input_shape[1]
        self.weight = self.add_weight((channels,), "ones")
        self.bias = self.add_weight((channels,), "zeros")
        self.register_buffer("running_mean", self.add_weight((channels,), "zeros", trainable=False))
        self.register_buffer("running_var", self.add_weight((channels,), "ones", trainable=False))

    def forward(self, x):
        channels = self.weight.shape[0]
        if x.ndim not in (2, 3, 4) or x.shape[1] != channels:
            raise ShapeError(
                f"BatchNorm '{self.name}' was built for {channels} channels on axis 1, but got an input of "
                f"shape {tuple(x.shape)}"
            )
        axes = (0, *range(2, x.ndim))
        shape = (1, channels) + (1,) * (x.ndim - 2)
        if self.training:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
            count = x.size // channels
            with no_grad():
                m = self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * mean.reshape(channels)
                self.running_var = (1 - m) * self.running_var + m * var.reshape(channels) * (count / max(count - 1, 1))
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        normalized = (x - mean) / ops.sqrt(var + self.epsilon)
        return normalized * self.weight.reshape(shape) + self.bias.reshape(shape)

    def get_config(self):
        return {"momentum": self.momentum, "epsilon": self.epsilon, "name": self.name}


class LayerNorm(Module):
    """Normalises each sample over its last axis, then scales and shifts it:
    y = (x - mean) / sqrt(var + epsilon) · weight + bias; the same in training and eval."""

    def __init__(self, epsilon=1e-5, name=None):
        super().__init__(name)
        self.epsilon = epsilon
        self.weight = self.bias = None

    def build(self, input_shape):
        if not input_shape:
            raise ShapeError(f"LayerNorm '{self.name}' needs inputs with a feature axis, got {input_shape}")
        self.weight = self.add_weight((input_shape[-1],), "ones")
        self.bias = self.add_weight((input_shape[-1],), "zeros")

    def forward(self, x):
        if x.ndim == 0 or x.shape[-1] != self.weight.shape[0]:
            raise ShapeError(
                f"LayerNorm '{self.name}' was built for {self.weight.shape[0]} features on the last axis, "
                f"but got an input of shape {tuple(x.shape)}"
            )
        mean = x.mean(axis=-1, keepdims=True)
        var = x.var(axis=-1, keepdims=True)
        return (x - mean) / ops.sqrt(var + self.epsilon) * self.weight + self.bias

    def get_config(self):
        return {"epsilon": self.epsilon, "name": self.name}
