"""Vision models: shapes, parameter counts against torchvision's, PyTorch parity, training, config round trips."""

import doctest

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn, optim, vision
from deepgrad.vision import BasicBlock, Bottleneck, ResNet, lenet5, resnet18, resnet34, resnet50, small_vgg

# torchvision's published parameter counts (torchvision.models docs, "Table of all available
# classification weights": ResNet18_Weights.IMAGENET1K_V1 num_params=11689512,
# ResNet50_Weights.IMAGENET1K_V1 num_params=25557032). torchvision is not installed here.
TORCHVISION_RESNET18_PARAMS = 11_689_512
TORCHVISION_RESNET50_PARAMS = 25_557_032


def rng_array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def count(model):
    return sum(p.size for p in model.parameters())


@pytest.mark.parametrize("make,x_shape,out_shape", [
    (lambda: lenet5(), (2, 1, 28, 28), (2, 10)),
    (lambda: lenet5(classes=3, activation="relu"), (1, 1, 28, 28), (1, 3)),
    (lambda: small_vgg(classes=5, width=4), (2, 3, 16, 16), (2, 5)),
    (lambda: resnet18(classes=7, stem="cifar"), (2, 3, 8, 8), (2, 7)),
    (lambda: ResNet(Bottleneck, (1, 1, 1, 1), classes=6, width=4, stem="cifar"), (2, 3, 8, 8), (2, 6)),
    (lambda: BasicBlock(8, strides=2), (2, 4, 7, 7), (2, 8, 4, 4)),
    (lambda: BasicBlock(4), (2, 4, 5, 5), (2, 4, 5, 5)),
    (lambda: Bottleneck(4, strides=2, expansion=2), (2, 3, 6, 6), (2, 8, 3, 3)),
])
def test_output_shapes(make, x_shape, out_shape):
    dg.manual_seed(0)
    assert make()(dg.tensor(rng_array(*x_shape))).shape == out_shape


def test_lenet5_has_lecuns_layer_sizes():
    model = lenet5()
    model(dg.zeros((1, 1, 28, 28)))
    # 156 + 2,416 + 48,120 + 10,164 + 850: conv 6×(25+1), conv 16×(6·25+1), dense 400→120, 120→84, 84→10
    assert count(model) == 61_706


def test_resnet50_has_torchvisions_parameter_count():
    model = resnet50()
    model(dg.zeros((1, 3, 32, 32)))  # the global average pool makes the count independent of the image size
    assert abs(count(model) - 25.6e6) <= 0.1e6
    assert count(model) == TORCHVISION_RESNET50_PARAMS
    # BatchNorm's running statistics are buffers, not parameters, as in torchvision
    assert all("running" not in name for name, _ in model.named_parameters())
    assert any(name.endswith("running_mean") for name, _ in model.named_buffers())


def test_resnet18_and_34_have_torchvisions_parameter_counts():
    model = resnet18()
    model(dg.zeros((1, 3, 32, 32)))
    assert count(model) == TORCHVISION_RESNET18_PARAMS
    model = resnet34()
    model(dg.zeros((1, 3, 32, 32)))
    assert count(model) == 21_797_672  # torchvision: ResNet34_Weights.IMAGENET1K_V1 num_params


def test_resnet_convolutions_have_no_bias_and_projections_appear_when_the_shape_changes():
    model = resnet18(classes=10, stem="cifar")
    model(dg.zeros((1, 3, 8, 8)))
    names = [name for name, _ in model.named_parameters()]
    conv_biases = [n for n in names if n.endswith(".bias") and ("conv" in n or "stem.0" in n or "shortcut.0" in n)]
    assert conv_biases == []
    shortcuts = sorted({n.split(".shortcut")[0] for n in names if ".shortcut." in n})
    assert shortcuts == ["stages.1.0", "stages.2.0", "stages.3.0"]  # stride 2 and doubled width; stage 0 keeps 64
    assert model.stages[3][0].shortcut[0].strides == (2, 2)


class TorchBasicBlock(torch.nn.Module):
    """torchvision's BasicBlock, written out from torch.nn parts."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(planes)
        self.conv2 = torch.nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(planes)
        self.downsample = torch.nn.Sequential(torch.nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                              torch.nn.BatchNorm2d(planes))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.downsample(x))


def test_basic_block_matches_torch_forward_and_gradients_in_train_mode():
    dg.manual_seed(0)
    block = BasicBlock(6, strides=2)
    x = rng_array(3, 4, 7, 7)
    xt = dg.tensor(x, requires_grad=True)
    block(xt)  # build, then give the BatchNorms non-trivial scales so that they are checked
    for bn in (block.bn1, block.bn2, block.shortcut[1]):
        bn.weight.data[...] = rng_array(6, seed=3) + 1.0
        bn.bias.data[...] = rng_array(6, seed=4)
        bn.running_mean.data[...], bn.running_var.data[...] = 0.0, 1.0  # undo the building call's update
    reference = TorchBasicBlock(4, 6, 2).train()
    pairs = [(reference.conv1, block.conv1), (reference.conv2, block.conv2),
             (reference.downsample[0], block.shortcut[0]),
             (reference.bn1, block.bn1), (reference.bn2, block.bn2), (reference.downsample[1], block.shortcut[1])]
    with torch.no_grad():
        for theirs, ours in pairs:
            theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
            if isinstance(theirs, torch.nn.BatchNorm2d):
                theirs.bias.copy_(torch.tensor(ours.bias.numpy()))
    out = block(xt)
    tx = torch.tensor(x, requires_grad=True)
    expected = reference(tx)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-4)
    upstream = rng_array(*out.shape, seed=2)
    out.backward(dg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-3, atol=1e-4)
    for theirs, ours in pairs:
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(block.bn1.running_mean.numpy(), reference.bn1.running_mean.numpy(), atol=1e-5)
    np.testing.assert_allclose(block.bn1.running_var.numpy(), reference.bn1.running_var.numpy(), atol=1e-5)


def test_a_tiny_resnet_training_step_lowers_the_loss():
    dg.manual_seed(0)
    model = ResNet(BasicBlock, (1, 1, 1, 1), classes=3, width=8, stem="cifar")
    x = dg.tensor(rng_array(6, 3, 8, 8))
    y = dg.tensor(np.arange(6) % 3)
    model(x)
    opt = optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        loss = nn.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("make", [
    lambda: ResNet(BasicBlock, (1, 1, 1, 1), classes=3, width=4, stem="cifar"),
    lambda: ResNet("Bottleneck", (1, 2, 1, 1), classes=3, width=4, stem="imagenet"),
    lambda: Bottleneck(4, strides=2, expansion=2),
    lambda: small_vgg(classes=3, width=4, blocks=2),
    lambda: lenet5(classes=3),
])
def test_config_round_trip_gives_identical_outputs_in_eval_mode(make):
    dg.manual_seed(0)
    model = make()
    x = dg.tensor(rng_array(2, 1 if isinstance(model, nn.Sequential) and len(model) == 8 else 3, 28, 28))
    model(x)  # a training-mode call moves the running statistics away from their start
    again = nn.deserialize(model.serialize())
    assert type(again) is type(model) and again.get_config() == model.get_config()
    again(x)
    again.load_state_dict(model.state_dict())
    model.eval(), again.eval()
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())


def test_a_resnet_saves_and_loads_whole(tmp_path):
    """A ResNet builds its blocks on its first call (it has no build of its own), so loading must
    call it once on a dummy batch to make every weight before the saved ones are read in."""
    dg.manual_seed(0)
    model = ResNet("BasicBlock", (1, 1, 1, 1), classes=3, width=4, stem="cifar")
    x = dg.tensor(rng_array(2, 3, 8, 8))
    model(x)  # training mode: the BatchNorm statistics move, and must come back as saved
    dg.save(model, tmp_path / "resnet", input_shape=(None, 3, 8, 8))
    loaded = dg.load(tmp_path / "resnet")
    assert sorted(loaded.state_dict()) == sorted(model.state_dict())
    model.eval(), loaded.eval()
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


@pytest.mark.parametrize("make,message", [
    (lambda: ResNet("Dense"), "block must be BasicBlock or Bottleneck"),
    (lambda: ResNet(BasicBlock, stem="tiny"), "stem must be 'imagenet' or 'cifar'"),
    (lambda: ResNet(BasicBlock, layers=(2, 2, 2)), "4 positive block counts"),
    (lambda: BasicBlock(0), "positive integer filters"),
    (lambda: Bottleneck(4, strides=3), "strides must be 1 or 2"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_docstring_examples_run():
    for module in (vision, vision.models):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0
