"""Image augmentation: shapes, crop windows, flips, normalisation, seeding, and training with it."""

import doctest

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.data import DataLoader, TensorDataset, transforms
from deepgrad.data.transforms import (
    AugmentedDataset,
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    TransformLoader,
)


def images(n=16, c=3, h=6, w=6):
    # distinct positive values, so that every crop window can be located in the padded image
    return (np.arange(n * c * h * w, dtype=np.float32) + 1).reshape(n, c, h, w)


@pytest.mark.parametrize("transform,out_shape", [
    (RandomCrop(6, padding=2), (16, 3, 6, 6)),
    (RandomCrop((3, 4)), (16, 3, 3, 4)),
    (RandomHorizontalFlip(), (16, 3, 6, 6)),
    (Normalize([0.0] * 3, [1.0] * 3), (16, 3, 6, 6)),
    (Compose([RandomCrop(4, padding=1), RandomHorizontalFlip()]), (16, 3, 4, 4)),
])
def test_shapes(transform, out_shape):
    dg.manual_seed(0)
    assert transform(images()).shape == out_shape


def test_crops_are_windows_of_the_zero_padded_image_at_varying_places():
    dg.manual_seed(1)
    x = images(n=64)
    crops = RandomCrop(6, padding=2)(x)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    places = []
    for i in range(len(x)):
        found = [(t, l) for t in range(5) for l in range(5)
                 if np.array_equal(padded[i, :, t:t + 6, l:l + 6], crops[i])]
        assert len(found) == 1, f"crop {i} is no window of its padded image"
        places.append(found[0])
    assert len(set(places)) > 10  # drawn per image, not once per batch
    assert {t for t, _ in places} == set(range(5)) and {l for _, l in places} == set(range(5))


def test_crop_without_padding_of_the_full_size_is_the_identity():
    x = images()
    np.testing.assert_array_equal(RandomCrop(6)(x), x)


def test_flip_mirrors_the_width_axis_with_probability_p():
    dg.manual_seed(2)
    x = images(n=2000, c=1, h=2, w=3)
    out = RandomHorizontalFlip(p=0.3)(x)
    flipped = np.array([np.array_equal(o, i[..., ::-1]) for o, i in zip(out, x)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert np.all(flipped ^ kept)  # each image is either mirrored or untouched
    assert abs(flipped.mean() - 0.3) < 0.04  # 4 standard deviations of a binomial(2000, 0.3) share
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(x), x)


def test_normalize_per_channel():
    x = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 5.0)])[None].astype(np.float32)
    out = Normalize([1.0, 3.0], [0.5, 4.0])(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0], 0.0)
    np.testing.assert_allclose(out[0, 1], 0.5)
    data = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 3, 4, 4))
    standard = Normalize(data.mean(axis=(0, 2, 3)), data.std(axis=(0, 2, 3)))(data)
    np.testing.assert_allclose(standard.mean(axis=(0, 2, 3)), 0.0, atol=1e-6)
    np.testing.assert_allclose(standard.std(axis=(0, 2, 3)), 1.0, atol=1e-6)


def test_the_same_seed_gives_the_same_augmentation():
    augment = Compose([RandomCrop(6, padding=2), RandomHorizontalFlip()])
    dg.manual_seed(7)
    first = augment(images())
    dg.manual_seed(7)
    second = augment(images())
    third = augment(images())
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, third)


@pytest.mark.parametrize("make,x_shape,message", [
    (lambda: RandomCrop(8), (2, 1, 6, 6), "larger than the padded images"),
    (lambda: RandomCrop(4), (1, 6, 6), r"shape \(N, C, H, W\)"),
    (lambda: Normalize([0.5], [0.5]), (2, 3, 4, 4), "1 channels' mean and std but the images have 3"),
])
def test_bad_inputs_are_named(make, x_shape, message):
    with pytest.raises(ValueError, match=message):
        make()(np.zeros(x_shape))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="padding"):
        RandomCrop(4, padding=-1)
    with pytest.raises(ValueError, match="probability"):
        RandomHorizontalFlip(1.5)
    with pytest.raises(ValueError, match="std must be positive"):
        Normalize([0.0], [0.0])


def test_augmented_dataset_transforms_batches_and_single_samples():
    x, y = images(n=8), np.arange(8)
    data = AugmentedDataset(x, y, RandomHorizontalFlip(p=1.0))
    batch_x, batch_y = data[np.array([2, 5])]
    np.testing.assert_array_equal(batch_x, x[[2, 5]][..., ::-1])
    np.testing.assert_array_equal(batch_y, [2, 5])
    one_x, one_y = data[3]
    np.testing.assert_array_equal(one_x, x[3][..., ::-1])
    assert one_y == 3 and len(data) == 8


def test_transform_loader_transforms_each_batch_and_keeps_the_labels():
    x, y = images(n=5), np.arange(5)
    loader = TransformLoader(DataLoader(TensorDataset(x, y), batch_size=2), RandomHorizontalFlip(p=1.0))
    batches = list(loader)
    assert len(loader) == 3 and [tuple(b[0].shape) for b in batches] == [(2, 3, 6, 6), (2, 3, 6, 6), (1, 3, 6, 6)]
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), x[..., ::-1])
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)
    assert batches[0][0].dtype == dg.tensor(x).dtype


def tiny_cnn():
    model = nn.Sequential([nn.Conv2D(4, 3, padding="same", activation="relu"), nn.MaxPool2D(2), nn.Flatten(),
                           nn.Dense(3)])
    model.compile(optimizer=optim.SGD(lr=0.05), loss=nn.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("wrap", ["dataset", "loader"])
def test_fit_trains_a_small_cnn_on_augmented_data(wrap):
    dg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((24, 1, 8, 8)).astype(np.float32)
    y = np.arange(24) % 3
    augment = Compose([RandomCrop(8, padding=1), RandomHorizontalFlip(), Normalize([0.0], [1.0])])
    if wrap == "dataset":
        source = AugmentedDataset(x, y, augment)
    else:
        source = TransformLoader(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True), augment)
    model = tiny_cnn()
    history = model.fit(source, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    assert model.layers[0].weight.shape == (4, 1, 3, 3)


def test_docstring_examples_run():
    result = doctest.testmod(transforms, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
