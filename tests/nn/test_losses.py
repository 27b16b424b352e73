"""Losses: against PyTorch (values and gradients), Keras's formulas in NumPy, and finite differences.

Each case is declared once in a table (a deepgrad loss, a PyTorch reference, a NumPy
re-implementation of Keras's formula, and how to make its inputs), and the same checks run over
every row. Where PyTorch has no such loss (hinge, categorical hinge), the PyTorch reference is
Keras's formula written with torch ops, so that torch's autograd still checks the gradients.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad.nn import losses

EPS = 1e-7


# --- Keras's formulas in NumPy (float64), as in Keras's NumPy backend ---------------------------
def np_mse(t, p):
    return np.mean((t - p) ** 2)


def np_mae(t, p):
    return np.mean(np.abs(t - p))


def np_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2))


def np_binary_crossentropy(t, p, from_logits=False):
    if from_logits:  # what TensorFlow's sigmoid_cross_entropy_with_logits computes
        return np.mean(np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p))))
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)))


def np_log_probabilities(p, from_logits):
    if from_logits:
        shifted = p - p.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return np.log(np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS))


def np_categorical_crossentropy(t, p, from_logits=False):
    return np.mean(-(t * np_log_probabilities(p, from_logits)).sum(axis=-1))


def np_sparse_categorical_crossentropy(labels, p, from_logits=False):
    labels = np.asarray(labels).reshape(p.shape[:-1])
    return np_categorical_crossentropy(np.eye(p.shape[-1])[labels], p, from_logits)


def np_kl_divergence(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.mean((t * np.log(t / p)).sum(axis=-1))


def np_hinge(t, p):
    if np.all((t == 0) | (t == 1)):
        t = 2 * t - 1
    return np.mean(np.maximum(1 - t * p, 0))


def np_categorical_hinge(t, p):
    positive = (t * p).sum(axis=-1)
    negative = ((1 - t) * p).max(axis=-1)
    return np.mean(np.maximum(negative - positive + 1, 0))


# --- Keras's formulas with torch ops, where PyTorch has no such loss ----------------------------
def torch_hinge(t, p):
    if bool(((t == 0) | (t == 1)).all()):
        t = 2 * t - 1
    return torch.clamp(1 - t * p, min=0).mean()


def torch_categorical_hinge(t, p):
    positive = (t * p).sum(-1)
    negative = ((1 - t) * p).amax(-1)
    return torch.clamp(negative - positive + 1, min=0).mean()


def classes_second(x):
    """PyTorch's cross_entropy wants the class axis second; deepgrad's (Keras's) is last."""
    return x.movedim(-1, 1) if x.ndim > 2 else x


# --- inputs -------------------------------------------------------------------------------------
def normal(shape, scale=1.0):
    return lambda rng: rng.normal(0, scale, shape)


def softmax_rows(shape):
    def make(rng):
        z = rng.normal(0, 1.5, shape)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    return make


def one_hot(shape):
    return lambda rng: np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]


def labels(shape, classes):
    return lambda rng: rng.integers(0, classes, shape)


def binary(shape):
    return lambda rng: rng.integers(0, 2, shape).astype(float)


@dataclass
class Case:
    name: str
    loss: Callable  # deepgrad: loss(y_true, y_pred)
    torch_fn: Callable  # torch: fn(y_true, y_pred) -> scalar
    numpy_fn: Callable  # Keras's formula in NumPy
    make_true: Callable
    make_pred: Callable

    def __str__(self):
        return self.name

    def inputs(self, seed=0):
        rng = np.random.default_rng(seed)
        return self.make_true(rng), self.make_pred(rng)


def in_range(low, high, shape):
    return lambda rng: rng.uniform(low, high, shape)


CASES = [
    Case("mse", losses.mean_squared_error, lambda t, p: F.mse_loss(p, t), np_mse,
         normal((6, 4)), normal((6, 4))),
    Case("mse_1d", losses.mse, lambda t, p: F.mse_loss(p, t), np_mse, normal((7,)), normal((7,))),
    Case("mse_3d", losses.mse, lambda t, p: F.mse_loss(p, t), np_mse, normal((2, 3, 4)), normal((2, 3, 4))),
    Case("mae", losses.mean_absolute_error, lambda t, p: F.l1_loss(p, t), np_mae, normal((6, 4)), normal((6, 4))),
    Case("huber", losses.huber, lambda t, p: F.huber_loss(p, t, delta=1.0), np_huber,
         normal((6, 4)), normal((6, 4), 2.0)),
    Case("huber_delta_0.3", functools.partial(losses.huber, delta=0.3),
         lambda t, p: F.huber_loss(p, t, delta=0.3), functools.partial(np_huber, delta=0.3),
         normal((6, 4)), normal((6, 4))),
    Case("binary_crossentropy", losses.binary_crossentropy, lambda t, p: F.binary_cross_entropy(p, t),
         np_binary_crossentropy, binary((8, 3)), in_range(0.02, 0.98, (8, 3))),
    Case("binary_crossentropy_soft_labels", losses.binary_crossentropy, lambda t, p: F.binary_cross_entropy(p, t),
         np_binary_crossentropy, in_range(0, 1, (8, 1)), in_range(0.02, 0.98, (8, 1))),
    Case("binary_crossentropy_logits", functools.partial(losses.binary_crossentropy, from_logits=True),
         lambda t, p: F.binary_cross_entropy_with_logits(p, t),
         functools.partial(np_binary_crossentropy, from_logits=True), binary((8, 3)), normal((8, 3), 3.0)),
    Case("categorical_crossentropy", losses.categorical_crossentropy,
         lambda t, p: F.cross_entropy(torch.log(p), t),  # log_softmax(log p) = log(p / Σp), Keras's rescaling
         np_categorical_crossentropy, one_hot((6, 5)), softmax_rows((6, 5))),
    Case("categorical_crossentropy_unnormalised", losses.categorical_crossentropy,
         lambda t, p: F.cross_entropy(torch.log(p), t), np_categorical_crossentropy,
         one_hot((6, 5)), in_range(0.05, 1.0, (6, 5))),
    Case("categorical_crossentropy_logits", functools.partial(losses.categorical_crossentropy, from_logits=True),
         lambda t, p: F.cross_entropy(p, t), functools.partial(np_categorical_crossentropy, from_logits=True),
         one_hot((6, 5)), normal((6, 5), 2.0)),
    Case("categorical_crossentropy_logits_3d", functools.partial(losses.categorical_crossentropy, from_logits=True),
         lambda t, p: F.cross_entropy(classes_second(p), classes_second(t)),
         functools.partial(np_categorical_crossentropy, from_logits=True), one_hot((2, 3, 5)), normal((2, 3, 5))),
    Case("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy,
         lambda t, p: F.cross_entropy(torch.log(p), t), np_sparse_categorical_crossentropy,
         labels((6,), 5), softmax_rows((6, 5))),
    Case("sparse_categorical_crossentropy_logits",
         functools.partial(losses.sparse_categorical_crossentropy, from_logits=True),
         lambda t, p: F.cross_entropy(p, t), functools.partial(np_sparse_categorical_crossentropy, from_logits=True),
         labels((6,), 5), normal((6, 5), 2.0)),
    Case("sparse_categorical_crossentropy_column_labels",
         functools.partial(losses.sparse_categorical_crossentropy, from_logits=True),
         lambda t, p: F.cross_entropy(p, t[:, 0]),
         functools.partial(np_sparse_categorical_crossentropy, from_logits=True), labels((6, 1), 5), normal((6, 5))),
    Case("sparse_categorical_crossentropy_3d", losses.sparse_categorical_crossentropy,
         lambda t, p: F.cross_entropy(classes_second(torch.log(p)), t), np_sparse_categorical_crossentropy,
         labels((2, 3), 4), softmax_rows((2, 3, 4))),
    Case("kl_divergence", losses.kl_divergence, lambda t, p: F.kl_div(torch.log(p), t, reduction="batchmean"),
         np_kl_divergence, softmax_rows((6, 5)), softmax_rows((6, 5))),
    Case("hinge", losses.hinge, torch_hinge, np_hinge,
         lambda rng: rng.choice([-1.0, 1.0], (8, 3)), normal((8, 3), 1.5)),
    Case("hinge_zero_one_labels", losses.hinge, torch_hinge, np_hinge, binary((8, 3)), normal((8, 3), 1.5)),
    Case("categorical_hinge", losses.categorical_hinge, torch_categorical_hinge, np_categorical_hinge,
         one_hot((8, 4)), normal((8, 4))),
]


def to_torch(array, requires_grad=False):
    if np.asarray(array).dtype.kind in "iu":
        return torch.tensor(array, dtype=torch.long)
    return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_value_and_gradient_match_pytorch(case):
    y_true, y_pred = case.inputs()
    prediction = dg.tensor(y_pred, requires_grad=True)  # float32
    loss = case.loss(y_true, prediction)
    loss.backward()
    reference = to_torch(y_pred, requires_grad=True)
    expected = case.torch_fn(to_torch(y_true), reference)
    expected.backward()
    assert loss.shape == () and loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(prediction.grad.numpy(), reference.grad.numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_value_matches_keras_formula_in_float64(case):
    y_true, y_pred = case.inputs(seed=1)
    loss = case.loss(y_true, dg.tensor(y_pred, dtype="float64"))
    np.testing.assert_allclose(loss.item(), case.numpy_fn(y_true, y_pred), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradient_matches_finite_differences(case):
    y_true, y_pred = case.inputs(seed=2)
    assert dg.check_gradients(lambda p: case.loss(y_true, p), dg.tensor(y_pred), eps=1e-6, atol=1e-9, rtol=1e-6)


def test_y_true_may_be_a_list_an_array_or_a_tensor_and_receives_gradients_when_it_asks():
    y_true, y_pred = np.array([[0.0, 1.0], [1.0, 0.0]]), dg.tensor([[0.2, 0.7], [0.9, 0.4]])
    values = [losses.mse(target, y_pred).item() for target in (y_true.tolist(), y_true, dg.tensor(y_true))]
    assert values[0] == values[1] == values[2] == pytest.approx(np_mse(y_true, y_pred.numpy()))
    target = dg.tensor(y_true, requires_grad=True)
    losses.mse(target, y_pred).backward()
    reference = to_torch(y_true, requires_grad=True)
    F.mse_loss(to_torch(y_pred.numpy()), reference).backward()
    np.testing.assert_allclose(target.grad.numpy(), reference.grad.numpy(), rtol=1e-5)


def test_integer_targets_are_converted_to_the_predictions_dtype():
    loss = losses.binary_crossentropy(np.array([[1], [0]]), dg.tensor([[0.8], [0.3]], dtype="float64"))
    assert loss.dtype == np.float64
    assert loss.item() == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-12)


# --- stability: probabilities of exactly 0 and 1, logits of ±1000 -------------------------------
EXTREME_PROBABILITIES = [
    ("binary_crossentropy", losses.binary_crossentropy, np_binary_crossentropy,
     [[1.0], [0.0], [1.0], [0.0]], [[0.0], [1.0], [1.0], [0.0]]),
    ("categorical_crossentropy", losses.categorical_crossentropy, np_categorical_crossentropy,
     [[1, 0, 0], [0, 1, 0]], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]),
    ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy, np_sparse_categorical_crossentropy,
     [0, 1], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]),
    ("kl_divergence", losses.kl_divergence, np_kl_divergence, [[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, loss, numpy_fn, y_true, y_pred", EXTREME_PROBABILITIES,
                         ids=[row[0] for row in EXTREME_PROBABILITIES])
def test_probabilities_of_exactly_0_and_1_give_finite_losses_and_gradients(name, loss, numpy_fn, y_true, y_pred,
                                                                          dtype):
    prediction = dg.tensor(y_pred, dtype=dtype, requires_grad=True)
    value = loss(y_true, prediction)
    value.backward()
    assert np.isfinite(value.item()) and value.item() > 1.0  # the wrong answers cost, but finitely
    assert np.isfinite(prediction.grad.numpy()).all()
    if dtype == "float64":  # in float32, 1 - 1e-7 rounds to 1 - 1.19e-7, so compare in float64
        assert value.item() == pytest.approx(numpy_fn(np.asarray(y_true), np.asarray(y_pred)), rel=1e-12)


def test_clipped_binary_crossentropy_gradient_matches_pytorch_clamp():
    y_true, y_pred = [[1.0], [0.0], [1.0], [0.3]], [[0.0], [1.0], [0.5], [1e-9]]
    prediction = dg.tensor(y_pred, dtype="float64", requires_grad=True)
    losses.binary_crossentropy(y_true, prediction).backward()
    reference = to_torch(y_pred, requires_grad=True)
    F.binary_cross_entropy(reference.clamp(EPS, 1 - EPS), to_torch(y_true)).backward()
    np.testing.assert_allclose(prediction.grad.numpy(), reference.grad.numpy(), rtol=1e-10)


LOGIT_LOSSES = [
    ("binary_crossentropy", functools.partial(losses.binary_crossentropy, from_logits=True),
     lambda t, p: F.binary_cross_entropy_with_logits(p, t), [[1.0], [0.0], [1.0], [0.0]]),
    ("categorical_crossentropy", functools.partial(losses.categorical_crossentropy, from_logits=True),
     lambda t, p: F.cross_entropy(p, t), [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]),
    ("sparse_categorical_crossentropy", functools.partial(losses.sparse_categorical_crossentropy, from_logits=True),
     lambda t, p: F.cross_entropy(p, t), [0, 1, 1, 0]),
]


@pytest.mark.parametrize("name, loss, torch_fn, y_true", LOGIT_LOSSES, ids=[row[0] for row in LOGIT_LOSSES])
def test_logits_of_plus_minus_1000_match_pytorch(name, loss, torch_fn, y_true):
    columns = 1 if name == "binary_crossentropy" else 2
    y_pred = np.array([[-1000.0, 1000.0], [-1000.0, 1000.0], [1000.0, -1000.0], [1000.0, -1000.0]])[:, :columns]
    prediction = dg.tensor(y_pred, requires_grad=True)
    value = loss(y_true, prediction)
    value.backward()
    reference = to_torch(y_pred, requires_grad=True)
    expected = torch_fn(to_torch(y_true), reference)
    expected.backward()
    assert np.isfinite(value.item()) and np.isfinite(prediction.grad.numpy()).all()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-6)
    np.testing.assert_allclose(prediction.grad.numpy(), reference.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_binary_crossentropy_from_logits_has_the_right_gradient_at_exactly_0():
    prediction = dg.tensor([[0.0], [0.0]], requires_grad=True)
    losses.binary_crossentropy([[1.0], [0.0]], prediction, from_logits=True).backward()
    # d/dx of the mean of BCE(σ(x), y) is (σ(x) - y) / n = (0.5 - y) / 2
    np.testing.assert_allclose(prediction.grad.numpy(), [[-0.25], [0.25]])


def test_probabilities_outside_0_1_are_clipped_not_refused_as_keras_does():
    y_true, y_pred = np.array([[1.0], [0.0]]), np.array([[3.0], [-2.0]])
    loss = losses.binary_crossentropy(y_true, dg.tensor(y_pred, dtype="float64"))
    assert loss.item() == pytest.approx(np_binary_crossentropy(y_true, y_pred), rel=1e-12)


@given(
    rows=st.integers(1, 6),
    classes=st.integers(2, 6),
    scale=st.sampled_from([0.1, 1.0, 30.0, 1000.0]),
    seed=st.integers(0, 2**16),
)
def test_from_logits_forms_match_pytorch_at_every_scale(rows, classes, scale, seed):
    rng = np.random.default_rng(seed)
    logits, targets = rng.normal(0, scale, (rows, classes)), rng.integers(0, classes, rows)
    one_hot_targets = np.eye(classes)[targets]
    for loss, torch_fn, y_true in [
        (losses.sparse_categorical_crossentropy, F.cross_entropy, targets),
        (losses.categorical_crossentropy, F.cross_entropy, one_hot_targets),
        (losses.binary_crossentropy, F.binary_cross_entropy_with_logits, one_hot_targets),  # multi-label
    ]:
        prediction = dg.tensor(logits, requires_grad=True)
        value = loss(y_true, prediction, from_logits=True)
        value.backward()
        reference = to_torch(logits, requires_grad=True)
        expected = torch_fn(reference, to_torch(y_true))
        expected.backward()
        np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(prediction.grad.numpy(), reference.grad.numpy(), rtol=1e-4, atol=1e-7)


@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    delta=st.floats(0.05, 3.0),
    seed=st.integers(0, 2**16),
)
def test_regression_losses_match_pytorch_over_shapes(shape, delta, seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.normal(0, 1, shape), rng.normal(0, 1.5, shape)
    for loss, expected in [
        (losses.mse, F.mse_loss(to_torch(y_pred), to_torch(y_true))),
        (losses.mae, F.l1_loss(to_torch(y_pred), to_torch(y_true))),
        (functools.partial(losses.huber, delta=delta), F.huber_loss(to_torch(y_pred), to_torch(y_true), delta=delta)),
    ]:
        value = loss(y_true, dg.tensor(y_pred, dtype="float64"))
        np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-12, atol=1e-15)


# --- targets that do not fit --------------------------------------------------------------------
@pytest.mark.parametrize("labels_shape", [(4,), (4, 1)])
@pytest.mark.parametrize("loss", [losses.categorical_crossentropy, losses.categorical_hinge], ids=lambda f: f.__name__)
def test_integer_labels_for_a_one_hot_loss_say_to_one_hot_encode(loss, labels_shape):
    with pytest.raises(dg.ShapeError, match=r"one-hot encode them, e\.g\. np\.eye\(3\)\[labels\]"):
        loss(np.zeros(labels_shape, dtype=int), dg.rand(4, 3))


def test_integer_labels_for_categorical_crossentropy_point_to_the_sparse_loss():
    with pytest.raises(dg.ShapeError, match="use sparse_categorical_crossentropy"):
        losses.categorical_crossentropy([0, 2, 1, 1], dg.rand(4, 3))


def test_one_hot_targets_for_the_sparse_loss_say_to_use_categorical_or_argmax():
    with pytest.raises(dg.ShapeError, match=r"use categorical_crossentropy, or pass class indices, e\.g\. y\.argmax"):
        losses.sparse_categorical_crossentropy(np.eye(3)[[0, 2, 1, 1]], dg.rand(4, 3))


ELEMENTWISE = [losses.mse, losses.mae, losses.huber, losses.binary_crossentropy, losses.hinge, losses.kl_divergence]


@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda f: f.__name__)
def test_a_vector_of_targets_against_a_column_of_predictions_says_to_reshape(loss):
    with pytest.raises(dg.ShapeError, match=r"reshape y_true to \(5, 1\), e\.g\. y\.reshape\(-1, 1\)"):
        loss(np.ones(5), dg.rand(5, 1))
    with pytest.raises(dg.ShapeError, match=r"reshape y_true to \(5,\)"):
        loss(np.ones((5, 1)), dg.rand(5))


@pytest.mark.parametrize(
    "loss", [*ELEMENTWISE, losses.categorical_crossentropy, losses.categorical_hinge], ids=lambda f: f.__name__
)
def test_mismatched_shapes_name_both_shapes(loss):
    with pytest.raises(dg.ShapeError, match=r"y_true has shape \(4, 3\) but y_pred has shape \(4, 5\)"):
        loss(np.ones((4, 3)), dg.rand(4, 5))


def test_sparse_labels_for_another_batch_size_name_both_shapes():
    with pytest.raises(dg.ShapeError, match=r"y_true has shape \(3,\) but y_pred has shape \(4, 5\).*shape \(4,\)"):
        losses.sparse_categorical_crossentropy([0, 1, 2], dg.rand(4, 5))


@pytest.mark.parametrize("bad", [5, 7, -1])
def test_a_label_out_of_range_is_named_with_the_number_of_classes(bad):
    with pytest.raises(ValueError, match=rf"label {bad} is out of range for 5 classes.*must be in 0\.\.4"):
        losses.sparse_categorical_crossentropy([0, bad, 1], dg.rand(3, 5))


def test_fractional_labels_are_refused():
    with pytest.raises(ValueError, match=r"whole-number class labels, but got .*1\.5"):
        losses.sparse_categorical_crossentropy([0.0, 1.5], dg.rand(2, 3))


def test_whole_float_labels_are_accepted_as_keras_accepts_them():
    probabilities = dg.tensor([[0.2, 0.8], [0.6, 0.4]], dtype="float64")
    value = losses.sparse_categorical_crossentropy(np.array([1.0, 0.0]), probabilities).item()
    assert value == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2, rel=1e-12)


@pytest.mark.parametrize(
    "loss",
    [losses.categorical_crossentropy, losses.sparse_categorical_crossentropy, losses.categorical_hinge],
    ids=lambda f: f.__name__,
)
def test_predictions_without_a_class_axis_are_refused(loss):
    with pytest.raises(dg.ShapeError, match="needs predictions with a class axis"):
        loss(0, dg.tensor(0.5))


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_needs_a_positive_delta(delta):
    with pytest.raises(ValueError, match="huber needs delta > 0"):
        losses.huber([1.0], dg.tensor([2.0]), delta=delta)
    with pytest.raises(ValueError, match="Huber needs delta > 0"):
        losses.Huber(delta=delta)


# --- functions, classes and names ---------------------------------------------------------------
EQUIVALENT = [
    ("mean_squared_error", losses.MeanSquaredError, {}, normal((4, 3)), normal((4, 3))),
    ("mse", losses.MeanSquaredError, {}, normal((4, 3)), normal((4, 3))),
    ("mean_absolute_error", losses.MeanAbsoluteError, {}, normal((4, 3)), normal((4, 3))),
    ("mae", losses.MeanAbsoluteError, {}, normal((4, 3)), normal((4, 3))),
    ("huber", losses.Huber, {"delta": 0.5}, normal((4, 3)), normal((4, 3))),
    ("binary_crossentropy", losses.BinaryCrossentropy, {"from_logits": True}, binary((4, 3)), normal((4, 3))),
    ("categorical_crossentropy", losses.CategoricalCrossentropy, {"from_logits": False}, one_hot((4, 3)),
     softmax_rows((4, 3))),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy, {"from_logits": True},
     labels((4,), 3), normal((4, 3))),
    ("categorical_hinge", losses.CategoricalHinge, {}, one_hot((4, 3)), normal((4, 3))),
    ("hinge", losses.Hinge, {}, binary((4, 3)), normal((4, 3))),
    ("kl_divergence", losses.KLDivergence, {}, softmax_rows((4, 3)), softmax_rows((4, 3))),
]


@pytest.mark.parametrize("name, cls, config, make_true, make_pred", EQUIVALENT, ids=[row[0] for row in EQUIVALENT])
def test_function_class_and_name_give_the_same_loss(name, cls, config, make_true, make_pred):
    rng = np.random.default_rng(3)
    y_true, y_pred = make_true(rng), dg.tensor(make_pred(rng))
    function = getattr(losses, name)
    assert losses.get(name) is function
    expected = function(y_true, y_pred, **config).item()
    instance = cls(**config)
    assert instance(y_true, y_pred).item() == expected
    assert losses.get({"class_name": cls.__name__, "config": config})(y_true, y_pred).item() == expected
    if not config:
        assert losses.get(cls.__name__)(y_true, y_pred).item() == expected
        assert losses.get(name)(y_true, y_pred).item() == expected


@pytest.mark.parametrize("cls, config", [
    (losses.MeanSquaredError, {}), (losses.MeanAbsoluteError, {}), (losses.Huber, {"delta": 2.5}),
    (losses.BinaryCrossentropy, {"from_logits": True}), (losses.CategoricalCrossentropy, {"from_logits": True}),
    (losses.SparseCategoricalCrossentropy, {"from_logits": False}), (losses.CategoricalHinge, {}),
    (losses.Hinge, {}), (losses.KLDivergence, {}),
])
def test_get_config_round_trip(cls, config):
    loss = cls(**config)
    assert loss.get_config() == config
    again = cls.from_config(loss.get_config())
    assert type(again) is cls and again.get_config() == config
    assert repr(again) == f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


def test_class_defaults_are_keras_defaults():
    assert losses.Huber().get_config() == {"delta": 1.0}
    for cls in (losses.BinaryCrossentropy, losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy):
        assert cls().get_config() == {"from_logits": False}


def test_get_passes_callables_and_classes_and_none_through():
    def custom(y_true, y_pred):
        return (y_pred - y_true).sum()

    assert losses.get(custom) is custom
    instance = losses.Huber(delta=3.0)
    assert losses.get(instance) is instance
    assert isinstance(losses.get(losses.Hinge), losses.Hinge)
    assert losses.get(None) is None


@pytest.mark.parametrize("identifier", ["cross_entropy", "MSE_", 42, {"class_name": "Nope"}])
def test_get_of_an_unknown_loss_lists_the_valid_names(identifier):
    with pytest.raises(ValueError, match=r"unknown loss .*'mean_squared_error'.*'sparse_categorical_crossentropy'"):
        losses.get(identifier)
