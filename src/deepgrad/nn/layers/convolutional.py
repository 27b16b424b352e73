"""Convolutional layers: Conv1D, Conv2D, Conv2DTranspose, and UpSampling2D.

Inputs are channels first, (batch, channels, length) or (batch, channels, height, width), and
weights use PyTorch's layouts, so weights load from PyTorch and ONNX as they are. The number of
input channels is read from the first input. The maths is in deepgrad.engine.ops.convolution.
"""

from deepgrad.engine import backend
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops import convolution, matmul, reshape
from deepgrad.engine.ops.shape import broadcast_to
from deepgrad.engine.tensor import Tensor
from deepgrad.nn import activations
from deepgrad.nn.module import Module

_AXES = {1: "(batch, channels, length)", 2: "(batch, channels, height, width)"}


def check_input_rank(layer, shape, rank):
    """Raise a ShapeError naming `layer` when `shape` is not (batch, channels, *rank spatial axes)."""
    if len(shape) == rank + 2:
        return
    sizes = ", ".join(map(str, shape))
    if len(shape) == rank + 1:  # most likely a batch of single-channel samples
        fix = f"; for one channel add the channel axis: x.reshape({shape[0]}, 1, {', '.join(map(str, shape[1:]))})"
    elif len(shape) == rank:  # most likely one single-channel sample
        fix = f"; for one single-channel sample add the batch and channel axes: x.reshape(1, 1, {sizes})"
    else:
        fix = ""
    raise ShapeError(f"{type(layer).__name__} '{layer.name}' expects inputs of shape {_AXES[rank]}, but got shape "
                     f"{tuple(shape)}{fix}")


class _Conv(Module):
    """What Conv1D, Conv2D and Conv2DTranspose share: arguments, weights, config."""

    rank = None
    transposed = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", name=None):
        super().__init__(name)
        kind = type(self).__name__
        for label, value in (("filters", filters), ("groups", groups)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{kind} needs a positive integer {label}, got {value!r}")
        if filters % groups:
            raise ValueError(f"{kind}: filters ({filters}) must be divisible by groups ({groups})")
        self.filters, self.groups = filters, groups
        self.kernel_size = convolution.int_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = convolution.int_tuple(strides, self.rank, "strides")
        self.dilation_rate = convolution.int_tuple(dilation_rate, self.rank, "dilation_rate")
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ValueError(f"{kind}: padding must be 'valid', 'same' or an int, got {padding!r}")
        if not isinstance(padding, str):
            padding = convolution.int_tuple(padding, self.rank, "padding", minimum=0)
        self.padding = padding
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.weight = self.bias = None

    def build(self, input_shape):
        check_input_rank(self, input_shape, self.rank)
        channels = input_shape[1]
        if channels % self.groups:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}' has groups={self.groups}, but its input has {channels} "
                f"channels (shape {tuple(input_shape)}); the channels must be divisible by groups"
            )
        shape = ((self.filters, channels // self.groups) if not self.transposed
                 else (channels, self.filters // self.groups))
        self.weight = self.add_weight((*shape, *self.kernel_size), self.kernel_initializer)
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer)

    def check_input(self, x):
        check_input_rank(self, x.shape, self.rank)
        channels = self.weight.shape[0] if self.transposed else self.weight.shape[1] * self.groups
        if x.shape[1] != channels:
            hint = (f"; a channels-last batch needs x.transpose(0, {x.ndim - 1}, 1{', 2' if self.rank == 2 else ''})"
                    if x.shape[-1] == channels else "")
            raise ShapeError(
                f"{type(self).__name__} '{self.name}' expected {channels} input channels (axis 1) but got an "
                f"input of shape {tuple(x.shape)}; inputs are channels first, {_AXES[self.rank]}{hint}"
            )

    def forward(self, x):
        self.check_input(x)
        sizes = x.shape[2:]
        if self.padding == "same":
            pads = tuple(convolution.same_padding(n, k, s, d)
                         for n, k, s, d in zip(sizes, self.kernel_size, self.strides, self.dilation_rate))
        elif self.padding == "valid":
            pads = ((0, 0),) * self.rank
        else:
            pads = tuple((p, p) for p in self.padding)
        reach = tuple(d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation_rate))
        padded = tuple(n + b + a for n, (b, a) in zip(sizes, pads))
        if any(p < r for p, r in zip(padded, reach)):
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': kernel_size {self.kernel_size} with dilation_rate "
                f"{self.dilation_rate} spans {reach}, more than the padded input's {padded} (input shape "
                f"{tuple(x.shape)}); use padding='same', a smaller kernel_size, or a bigger input"
            )
        if self.activation is activations.relu:  # bias and ReLU in one pass over the output
            return convolution.conv(x, self.weight, self.strides, pads, self.dilation_rate, self.groups,
                                    bias=self.bias, activation="relu")
        y = convolution.conv(x, self.weight, self.strides, pads, self.dilation_rate, self.groups, bias=self.bias)
        return self.activation(y)

    def get_config(self):
        return {
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "dilation_rate": self.dilation_rate, "groups": self.groups,
            "activation": activations.name_of(self.activation) or self.activation, "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer,
            "name": self.name,
        }


class Conv1D(_Conv):
    """A 1-D convolution layer: y = activation(conv(x, weight) + bias) over (batch, channels, length).

    y[n, f, i] = bias[f] + Σ_c,a x_pad[n, c, i·strides + a·dilation_rate]·weight[f, c, a], with
    `weight` (filters, in_channels / groups, kernel_size) and `bias` (filters,). Output length:
    "valid": (L - dilation_rate·(kernel_size - 1) - 1) // strides + 1; "same": ceil(L / strides)
    (the odd padding element goes at the end, as in Keras); an int p pads p zeros on both sides.

        >>> nn.Conv1D(8, 3, padding="same")(dg.ones((2, 4, 10))).shape
        (2, 8, 10)
    """

    rank = 1


class Conv2D(_Conv):
    """A 2-D convolution layer: y = activation(conv(x, weight) + bias) over (batch, channels, height, width).

    y[n, f, i, j] = bias[f] + Σ_c,a,b x_pad[n, c, i·sh + a·dh, j·sw + b·dw]·weight[f, c, a, b], with
    `weight` (filters, in_channels / groups, kh, kw) and `bias` (filters,); groups = in_channels
    makes a depthwise convolution. Output size per axis as in Conv1D.

        >>> nn.Conv2D(16, 3, strides=2, padding="same", activation="relu")(dg.ones((2, 3, 28, 28))).shape
        (2, 16, 14, 14)
    """

    rank = 2


class Conv2DTranspose(_Conv):
    """A transposed 2-D convolution ("deconvolution"): the gradient of Conv2D with respect to its
    input, used to upsample. `weight` (in_channels, filters / groups, kh, kw), as PyTorch's
    ConvTranspose2d; `bias` (filters,).

    Output size per axis, with k = dilation_rate·(kernel_size - 1) + 1 (Keras's rule):
    output_padding None: "valid" H·s + max(k - s, 0), "same" H·s;
    output_padding p (< strides): (H - 1)·s + k - 2·pad + p with pad = 0 ("valid"), k // 2 ("same"),
    or the int given as padding (PyTorch's rule). What "valid" and "same" cut off the full output
    (H - 1)·s + k is TensorFlow's choice: the layer is then exactly the input gradient of a Conv2D
    with that padding, and an odd cut takes its extra element from the end.

        >>> nn.Conv2DTranspose(8, 3, strides=2, padding="same")(dg.ones((2, 16, 7, 7))).shape
        (2, 8, 14, 14)
    """

    rank = 2
    transposed = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", name=None):
        super().__init__(filters, kernel_size, strides, padding, dilation_rate, groups, activation, use_bias,
                         kernel_initializer, bias_initializer, name)
        if output_padding is not None:
            output_padding = convolution.int_tuple(output_padding, self.rank, "output_padding", minimum=0)
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise ValueError(f"Conv2DTranspose: output_padding {output_padding} must be smaller than strides "
                                 f"{self.strides}")
        self.output_padding = output_padding

    def _cropping(self):
        """Per axis: (before, after) cut from the full output (H - 1)·s + k, and the zeros added at its end.

        For "valid" and "same" the output size is Keras's (see the class docstring) and the cut is
        TensorFlow's: this layer is then the input gradient of a Conv2D with the same padding on an
        input of that size, so an odd cut puts its extra element at the end. An int padding p cuts p
        from both sides, as PyTorch's ConvTranspose2d does.
        """
        pads, extras = [], []
        for i, (k, s, d) in enumerate(zip(self.kernel_size, self.strides, self.dilation_rate)):
            reach = d * (k - 1) + 1
            output_padding = self.output_padding[i] if self.output_padding is not None else 0
            if isinstance(self.padding, tuple):
                pads.append((self.padding[i], self.padding[i]))
                extras.append(output_padding)
                continue
            if self.output_padding is None:  # full size minus Keras's output size
                excess = reach - s if self.padding == "same" else min(reach - s, 0)
            else:
                excess = (2 * (reach // 2) if self.padding == "same" else 0) - output_padding
            cut = max(excess, 0)
            pads.append((cut // 2, cut - cut // 2))
            extras.append(max(-excess, 0))
        return tuple(pads), tuple(extras)

    def forward(self, x):
        self.check_input(x)
        pads, extras = self._cropping()
        return self.activation(convolution.conv_transpose(
            x, self.weight, self.strides, pads, extras, self.dilation_rate, self.groups, bias=self.bias))

    def get_config(self):
        return {**super().get_config(), "output_padding": self.output_padding}


class UpSampling2D(Module):
    """Repeats rows and columns: (N, C, H, W) -> (N, C, H·sh, W·sw).

    interpolation="nearest" copies each pixel into an sh×sw block; "bilinear" interpolates as
    Keras (and PyTorch's align_corners=False) do: output pixel i samples the input at
    (i + 0.5) / s - 0.5, clamped to the image, i.e. y = A_h @ x @ A_wᵀ with fixed (H·sh, H) and
    (W·sw, W) interpolation matrices.

        >>> nn.UpSampling2D(2)(dg.ones((1, 3, 4, 5))).shape
        (1, 3, 8, 10)
    """

    def __init__(self, size=2, interpolation="nearest", name=None):
        super().__init__(name)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.size = convolution.int_tuple(size, 2, "size")
        self.interpolation = interpolation

    def forward(self, x):
        check_input_rank(self, x.shape, 2)
        n, c, h, w = x.shape
        sh, sw = self.size
        if self.interpolation == "nearest":
            blocks = broadcast_to(reshape(x, n, c, h, 1, w, 1), (n, c, h, sh, w, sw))
            return reshape(blocks, n, c, h * sh, w * sw)
        xp = backend.array_module(x.data)
        rows, columns = _interpolation_matrix(xp, h, sh, x.dtype), _interpolation_matrix(xp, w, sw, x.dtype)
        return matmul(matmul(Tensor(rows), x), Tensor(columns.T))

    def get_config(self):
        return {"size": self.size, "interpolation": self.interpolation, "name": self.name}


def _interpolation_matrix(xp, size, scale, dtype):
    """The (size·scale, size) matrix of linear interpolation with half-pixel centres."""
    source = xp.maximum((xp.arange(size * scale) + 0.5) / scale - 0.5, 0)
    low = xp.minimum(xp.floor(source).astype(int), size - 1)
    high = xp.minimum(low + 1, size - 1)
    frac = source - low
    matrix = xp.zeros((size * scale, size), dtype=dtype)
    rows = xp.arange(size * scale)
    matrix[rows, low] += 1 - frac
    matrix[rows, high] += frac  # at the last pixel low == high, and the two weights add up to 1
    return matrix
