"""Pooling layers: MaxPool1D/2D, AvgPool1D/2D, GlobalAvgPool1D/2D, GlobalMaxPool1D/2D.

Inputs are channels first, (batch, channels, length) or (batch, channels, height, width). The
maths is in deepgrad.engine.ops.pooling. Keras's longer names (MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D, ...) are aliases of the same classes.
"""

from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops import pooling
from deepgrad.engine.ops.convolution import int_tuple
from deepgrad.nn.layers.convolutional import check_input_rank
from deepgrad.nn.module import Module


class _Pool(Module):
    """What the windowed pools share: pool_size, strides (default: pool_size), padding."""

    rank = None
    function = None

    def __init__(self, pool_size=2, strides=None, padding="valid", name=None):
        super().__init__(name)
        if padding not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: padding must be 'valid' or 'same', got {padding!r}")
        self.pool_size = int_tuple(pool_size, self.rank, "pool_size")
        self.strides = None if strides is None else int_tuple(strides, self.rank, "strides")
        self.padding = padding

    def forward(self, x):
        check_input_rank(self, x.shape, self.rank)
        if self.padding == "valid" and any(p > n for p, n in zip(self.pool_size, x.shape[2:])):
            raise ShapeError(
                f"{type(self).__name__} '{self.name}': pool_size {self.pool_size} is bigger than the input's "
                f"spatial size {tuple(x.shape[2:])} (input shape {tuple(x.shape)}); use padding='same' or a "
                f"smaller pool_size"
            )
        return type(self).function(x, self.pool_size, self.strides, self.padding)

    def get_config(self):
        return {"pool_size": self.pool_size, "strides": self.strides, "padding": self.padding, "name": self.name}


class MaxPool1D(_Pool):
    """The maximum of each window of `pool_size` steps, `strides` apart (default: pool_size).

    Output length: "valid" (L - pool_size) // strides + 1, "same" ceil(L / strides). The gradient
    goes to the first maximum of each window, as in PyTorch.

        >>> nn.MaxPool1D(2)(dg.tensor([[[1.0, 3.0, 2.0, 5.0]]])).tolist()
        [[[3.0, 5.0]]]
    """

    rank = 1
    function = pooling.max_pool


class MaxPool2D(_Pool):
    """The maximum of each pool_size window: (N, C, H, W) -> (N, C, Ho, Wo), sizes as in MaxPool1D.

        >>> nn.MaxPool2D(2)(dg.ones((8, 32, 26, 26))).shape
        (8, 32, 13, 13)
    """

    rank = 2
    function = pooling.max_pool


class AvgPool1D(_Pool):
    """The mean of each window of `pool_size` steps, `strides` apart (default: pool_size).

    Output length as in MaxPool1D. With padding="same", windows that overlap the padding average
    over their input elements only, as in Keras.

        >>> nn.AvgPool1D(2, padding="same")(dg.tensor([[[1.0, 3.0, 2.0]]])).tolist()
        [[[2.0, 2.0]]]
    """

    rank = 1
    function = pooling.avg_pool


class AvgPool2D(_Pool):
    """The mean of each pool_size window: (N, C, H, W) -> (N, C, Ho, Wo), as AvgPool1D per axis.

        >>> nn.AvgPool2D(2)(dg.ones((1, 3, 5, 5))).shape
        (1, 3, 2, 2)
    """

    rank = 2
    function = pooling.avg_pool


class _GlobalPool(Module):
    """What the global pools share: one value per channel, (N, C, *spatial) -> (N, C)."""

    rank = None
    function = None

    def __init__(self, keepdims=False, name=None):
        super().__init__(name)
        self.keepdims = keepdims

    def forward(self, x):
        check_input_rank(self, x.shape, self.rank)
        return type(self).function(x, keepdims=self.keepdims)

    def get_config(self):
        return {"keepdims": self.keepdims, "name": self.name}


class GlobalAvgPool1D(_GlobalPool):
    """The mean over the length of each channel: (N, C, L) -> (N, C) ((N, C, 1) with keepdims).

        >>> nn.GlobalAvgPool1D()(dg.tensor([[[1.0, 3.0], [2.0, 2.0]]])).tolist()
        [[2.0, 2.0]]
    """

    rank = 1
    function = pooling.global_avg_pool


class GlobalAvgPool2D(_GlobalPool):
    """The mean over height and width of each channel: (N, C, H, W) -> (N, C).

        >>> nn.GlobalAvgPool2D()(dg.ones((4, 8, 5, 5))).shape
        (4, 8)
    """

    rank = 2
    function = pooling.global_avg_pool


class GlobalMaxPool1D(_GlobalPool):
    """The maximum over the length of each channel: (N, C, L) -> (N, C); ties share the gradient.

        >>> nn.GlobalMaxPool1D()(dg.tensor([[[1.0, 3.0], [2.0, 0.0]]])).tolist()
        [[3.0, 2.0]]
    """

    rank = 1
    function = pooling.global_max_pool


class GlobalMaxPool2D(_GlobalPool):
    """The maximum over height and width of each channel: (N, C, H, W) -> (N, C).

        >>> nn.GlobalMaxPool2D()(dg.ones((4, 8, 5, 5))).shape
        (4, 8)
    """

    rank = 2
    function = pooling.global_max_pool


# Keras's longer names for the same layers
MaxPooling1D, MaxPooling2D = MaxPool1D, MaxPool2D
AveragePooling1D, AveragePooling2D = AvgPool1D, AvgPool2D
GlobalAveragePooling1D, GlobalAveragePooling2D = GlobalAvgPool1D, GlobalAvgPool2D
GlobalMaxPooling1D, GlobalMaxPooling2D = GlobalMaxPool1D, GlobalMaxPool2D
