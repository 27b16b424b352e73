"""Classic convolutional networks: LeNet-5, a small VGG, and ResNets (He et al. 2016).

Inputs are channels first, (batch, channels, height, width). Every layer infers its input size
at the first call, so a model has no weights until it has seen a batch. The ResNets follow
torchvision's layout (stride on the 3×3 convolution of a bottleneck, "ResNet v1.5"; convolutions
without bias because BatchNorm follows), so their parameter counts match torchvision's.

    >>> import deepgrad as dg
    >>> model = resnet18(classes=10, stem="cifar")
    >>> model(dg.zeros((2, 3, 16, 16))).shape
    (2, 10)
"""

from deepgrad.engine.ops import relu
from deepgrad.nn.layers.activation import ReLU
from deepgrad.nn.layers.convolutional import Conv2D
from deepgrad.nn.layers.core import Dense, Flatten
from deepgrad.nn.layers.normalization import BatchNorm
from deepgrad.nn.layers.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from deepgrad.nn.layers.sequential import Sequential
from deepgrad.nn.module import Module


def lenet5(classes=10, activation="tanh"):
    """LeCun et al. 1998's LeNet-5 for 1×28×28 images (the first convolution pads to 32×32's size).

    Conv(6, 5×5, same) - AvgPool(2) - Conv(16, 5×5) - AvgPool(2) - Flatten - Dense(120) - Dense(84)
    - Dense(classes); `activation` ("tanh") follows every layer but the last.

        >>> import deepgrad as dg
        >>> lenet5()(dg.zeros((2, 1, 28, 28))).shape
        (2, 10)
    """
    return Sequential([
        Conv2D(6, 5, padding="same", activation=activation), AvgPool2D(2),
        Conv2D(16, 5, activation=activation), AvgPool2D(2),
        Flatten(), Dense(120, activation=activation), Dense(84, activation=activation), Dense(classes),
    ])


def small_vgg(classes=10, width=32, blocks=3):
    """A VGG-style network: `blocks` blocks of two (3×3 same Conv - BatchNorm - ReLU) and a 2×2
    MaxPool, block i having width·2^i filters; then Flatten and Dense(classes).

        >>> import deepgrad as dg
        >>> small_vgg(width=8)(dg.zeros((2, 3, 32, 32))).shape
        (2, 10)
    """
    layers = []
    for i in range(blocks):
        filters = width * 2**i
        for _ in range(2):
            layers += [Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal"),
                       BatchNorm(), ReLU()]
        layers.append(MaxPool2D(2))
    return Sequential([*layers, Flatten(), Dense(classes)])


def _conv(filters, kernel_size, strides=1):
    """torchvision's convolution: padding k // 2 (symmetric, so stride 2 matches PyTorch), no bias."""
    return Conv2D(filters, kernel_size, strides=strides, padding=kernel_size // 2, use_bias=False,
                  kernel_initializer="he_normal")


class _Block(Module):
    """What BasicBlock and Bottleneck share: the projection shortcut, made when the input is seen."""

    expansion = 1

    def __init__(self, filters, strides=1, name=None):
        super().__init__(name)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{type(self).__name__} needs a positive integer filters, got {filters!r}")
        if strides not in (1, 2):
            raise ValueError(f"{type(self).__name__} strides must be 1 or 2, got {strides!r}")
        self.filters, self.strides = filters, strides
        self.shortcut = None  # a 1×1 conv + BN when the shape changes, else the identity

    def build(self, input_shape):
        if self.strides != 1 or input_shape[1] != self.filters * self.expansion:
            self.shortcut = Sequential([_conv(self.filters * self.expansion, 1, self.strides), BatchNorm()])

    def residual(self, x):
        raise NotImplementedError

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return relu(self.residual(x) + identity)

    def get_config(self):
        return {"filters": self.filters, "strides": self.strides, "name": self.name}


class BasicBlock(_Block):
    """ResNet-18/34's block: relu(BN(conv3×3(relu(BN(conv3×3(x))))) + shortcut(x)).

    The first convolution carries `strides`; the shortcut is a 1×1 conv + BN with that stride when
    the shape changes (stride 2 or other channels), else x itself. Output channels: `filters`.

        >>> import deepgrad as dg
        >>> BasicBlock(8, strides=2)(dg.zeros((1, 4, 6, 6))).shape
        (1, 8, 3, 3)
    """

    def __init__(self, filters, strides=1, name=None):
        super().__init__(filters, strides, name)
        self.conv1, self.bn1 = _conv(filters, 3, strides), BatchNorm()
        self.conv2, self.bn2 = _conv(filters, 3), BatchNorm()

    def residual(self, x):
        return self.bn2(self.conv2(relu(self.bn1(self.conv1(x)))))


class Bottleneck(_Block):
    """ResNet-50/101/152's block: 1×1 conv (filters) - 3×3 conv (filters, `strides`) - 1×1 conv
    (filters·expansion), each followed by BN (and ReLU but the last), plus the shortcut, then ReLU.

    The stride sits on the 3×3 convolution, as in torchvision ("ResNet v1.5").

        >>> import deepgrad as dg
        >>> Bottleneck(4)(dg.zeros((1, 8, 5, 5))).shape
        (1, 16, 5, 5)
    """

    def __init__(self, filters, strides=1, expansion=4, name=None):
        self.expansion = expansion  # before super().__init__: the shortcut's width depends on it
        super().__init__(filters, strides, name)
        if not isinstance(expansion, int) or expansion <= 0:
            raise ValueError(f"Bottleneck needs a positive integer expansion, got {expansion!r}")
        self.conv1, self.bn1 = _conv(filters, 1), BatchNorm()
        self.conv2, self.bn2 = _conv(filters, 3, strides), BatchNorm()
        self.conv3, self.bn3 = _conv(filters * expansion, 1), BatchNorm()

    def residual(self, x):
        x = relu(self.bn1(self.conv1(x)))
        x = relu(self.bn2(self.conv2(x)))
        return self.bn3(self.conv3(x))

    def get_config(self):
        return {**super().get_config(), "expansion": self.expansion}


_BLOCKS = {"BasicBlock": BasicBlock, "Bottleneck": Bottleneck}
_STEMS = ("imagenet", "cifar")


class ResNet(Module):
    """A residual network: stem - 4 stages of blocks - GlobalAvgPool2D - Dense(classes).

    Arguments:
        block: BasicBlock or Bottleneck (the class or its name).
        layers ((2, 2, 2, 2)): blocks per stage; stage i has width·2^i filters and stride
            1, 2, 2, 2 in its first block.
        classes (1000): outputs of the final Dense (logits).
        width (64): filters of the stem and the first stage.
        stem ("imagenet"): "imagenet" is a 7×7 stride-2 conv, BN, ReLU and a 3×3 stride-2
            max-pool (an image shrinks 4×); "cifar" is one 3×3 conv, BN, ReLU (for small images).

        >>> import deepgrad as dg
        >>> net = ResNet(BasicBlock, layers=(1, 1, 1, 1), classes=5, width=8, stem="cifar")
        >>> net(dg.zeros((2, 3, 8, 8))).shape
        (2, 5)
    """

    def __init__(self, block=BasicBlock, layers=(2, 2, 2, 2), classes=1000, width=64, stem="imagenet", name=None):
        super().__init__(name)
        block_name = block if isinstance(block, str) else getattr(block, "__name__", None)
        if block_name not in _BLOCKS:
            raise ValueError(f"ResNet's block must be BasicBlock or Bottleneck (or their names), got {block!r}")
        if stem not in _STEMS:
            raise ValueError(f"ResNet's stem must be 'imagenet' or 'cifar', got {stem!r}")
        if len(layers) != 4 or any(not isinstance(n, int) or n <= 0 for n in layers):
            raise ValueError(f"ResNet's layers must be 4 positive block counts such as (2, 2, 2, 2), got {layers!r}")
        self.block, self.layers, self.classes, self.width, self.stem_kind = block_name, tuple(layers), classes, \
            width, stem
        if stem == "imagenet":
            self.stem = Sequential([_conv(width, 7, 2), BatchNorm(), ReLU(), MaxPool2D(3, 2, padding="same")])
        else:
            self.stem = Sequential([_conv(width, 3), BatchNorm(), ReLU()])
        block_class = _BLOCKS[block_name]
        self.stages = [
            Sequential([block_class(width * 2**i, strides=(2 if i and j == 0 else 1)) for j in range(count)])
            for i, count in enumerate(self.layers)
        ]
        self.pool, self.head = GlobalAvgPool2D(), Dense(classes)

    def forward(self, x):
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return self.head(self.pool(x))

    def get_config(self):
        return {"block": self.block, "layers": list(self.layers), "classes": self.classes, "width": self.width,
                "stem": self.stem_kind, "name": self.name}


def resnet18(classes=1000, stem="imagenet"):
    """ResNet-18: BasicBlocks (2, 2, 2, 2); 11,689,512 parameters for 1000 classes, as torchvision's."""
    return ResNet(BasicBlock, (2, 2, 2, 2), classes=classes, stem=stem)


def resnet34(classes=1000, stem="imagenet"):
    """ResNet-34: BasicBlocks (3, 4, 6, 3); 21,797,672 parameters for 1000 classes."""
    return ResNet(BasicBlock, (3, 4, 6, 3), classes=classes, stem=stem)


def resnet50(classes=1000, stem="imagenet"):
    """ResNet-50: Bottlenecks (3, 4, 6, 3); 25,557,032 parameters for 1000 classes, as torchvision's."""
    return ResNet(Bottleneck, (3, 4, 6, 3), classes=classes, stem=stem)
