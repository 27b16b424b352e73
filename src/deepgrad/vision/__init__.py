"""Computer vision: classic convolutional networks (LeNet-5, a small VGG, ResNets).

Image augmentation lives with the data, in `deepgrad.data.transforms`.

    >>> import deepgrad as dg
    >>> from deepgrad import vision
    >>> vision.lenet5()(dg.zeros((1, 1, 28, 28))).shape
    (1, 10)
"""

from deepgrad.vision.models import BasicBlock, Bottleneck, ResNet, lenet5, resnet18, resnet34, resnet50, small_vgg

__all__ = ["lenet5", "small_vgg", "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50"]
