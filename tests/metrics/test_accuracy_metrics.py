"""Accuracies over batches of unequal sizes equal sklearn's accuracy over all samples; shapes and errors."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, top_k_accuracy_score

import deepgrad as dg
from deepgrad import metrics

SIZES = [7, 32, 1, 20]  # unequal batches: a mean of batch means would be wrong


def batches(*arrays):
    """Split arrays along the first axis into batches of SIZES."""
    bounds = np.cumsum([0, *SIZES])
    return [tuple(a[start:end] for a in arrays) for start, end in zip(bounds[:-1], bounds[1:])]


def run(metric, y_true, y_pred):
    for t, p in batches(y_true, y_pred):
        metric.update_state(t, p)
    return metric.result()


rng = np.random.default_rng(0)
N = sum(SIZES)
LABELS = rng.integers(0, 4, N)
SCORES = rng.random((N, 4))
BINARY = rng.integers(0, 2, (N, 1)).astype(np.float32)
PROBS = rng.random((N, 1))


def test_binary_accuracy_equals_sklearn_over_all_samples():
    expected = accuracy_score(BINARY.ravel(), PROBS.ravel() > 0.5)
    assert run(metrics.BinaryAccuracy(), BINARY, PROBS) == pytest.approx(expected, abs=1e-12)
    expected = accuracy_score(BINARY.ravel(), PROBS.ravel() > 0.8)
    assert run(metrics.BinaryAccuracy(threshold=0.8), BINARY, PROBS) == pytest.approx(expected, abs=1e-12)


def test_binary_accuracy_is_not_the_mean_of_batch_means():
    metric = metrics.BinaryAccuracy()
    metric.update_state([[1.0]] * 3, np.full((3, 1), 0.9))  # 3 right
    metric.update_state([[1.0]], np.array([[0.1]]))  # 1 wrong
    assert metric.result() == 0.75  # a mean of the batches' means would give 0.5


def test_binary_accuracy_reshapes_n_targets_against_n_by_1_predictions_instead_of_broadcasting():
    metric = metrics.BinaryAccuracy()
    metric.update_state(np.array([1, 0, 1]), np.array([[0.9], [0.8], [0.7]]))
    assert metric.result() == pytest.approx(2 / 3)


def test_binary_accuracy_averages_several_outputs_per_sample_and_takes_tensors():
    metric = metrics.BinaryAccuracy()
    y_pred = dg.tensor([[0.9, 0.1], [0.2, 0.3]], requires_grad=True)
    metric.update_state(dg.tensor([[1.0, 1.0], [0.0, 0.0]]), y_pred)
    assert metric.result() == 0.75


def test_categorical_accuracy_equals_sklearn():
    one_hot = np.eye(4)[LABELS]
    expected = accuracy_score(LABELS, SCORES.argmax(axis=1))
    assert run(metrics.CategoricalAccuracy(), one_hot, SCORES) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("shape", [(N,), (N, 1)])
def test_sparse_categorical_accuracy_equals_sklearn_for_n_and_n_by_1_labels(shape):
    expected = accuracy_score(LABELS, SCORES.argmax(axis=1))
    assert run(metrics.SparseCategoricalAccuracy(), LABELS.reshape(shape), SCORES) == pytest.approx(expected)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracies_equal_sklearn(k):
    expected = top_k_accuracy_score(LABELS, SCORES, k=k, labels=range(4))
    assert run(metrics.SparseTopKCategoricalAccuracy(k=k), LABELS, SCORES) == pytest.approx(expected)
    assert run(metrics.TopKCategoricalAccuracy(k=k), np.eye(4)[LABELS], SCORES) == pytest.approx(expected)


def test_top_k_with_k_at_least_the_number_of_classes_is_always_right():
    assert run(metrics.SparseTopKCategoricalAccuracy(k=4), LABELS, SCORES) == 1.0
    assert run(metrics.SparseTopKCategoricalAccuracy(), LABELS, SCORES) == 1.0  # Keras's default k=5


def test_top_k_counts_ties_in_the_labels_favour_as_in_top_k():
    scores = np.array([[0.5, 0.5, 0.5, 0.1]])
    assert metrics.sparse_top_k_categorical_accuracy(np.array([2]), scores, k=1).tolist() == [1.0]
    assert metrics.sparse_top_k_categorical_accuracy(np.array([3]), scores, k=3).tolist() == [0.0]


def test_reset_state_starts_again():
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state([0], np.array([[0.1, 0.9]]))
    assert metric.result() == 0.0
    metric.reset_state()
    assert metric.result() == 0.0
    metric.update_state([1], np.array([[0.1, 0.9]]))
    assert metric.result() == 1.0


def test_sample_weight_weights_each_sample():
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state([0, 1], np.array([[0.9, 0.1], [0.9, 0.1]]), sample_weight=[3.0, 1.0])
    assert metric.result() == 0.75


def test_names_are_kerass():
    assert [m().name for m in (metrics.BinaryAccuracy, metrics.CategoricalAccuracy,
                                metrics.SparseCategoricalAccuracy, metrics.TopKCategoricalAccuracy,
                                metrics.SparseTopKCategoricalAccuracy)] == [
        "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy"]
    assert metrics.BinaryAccuracy(name="acc").name == "acc"


def test_shape_errors_name_the_shapes_and_the_fix():
    with pytest.raises(dg.ShapeError, match=r"\(4,\).*\(3, 1\)"):
        metrics.BinaryAccuracy().update_state(np.zeros(4), np.zeros((3, 1)))
    with pytest.raises(dg.ShapeError, match="integer class labels; use sparse_categorical_accuracy"):
        metrics.CategoricalAccuracy().update_state(np.array([0, 1]), np.zeros((2, 3)))
    with pytest.raises(dg.ShapeError, match="looks one-hot"):
        metrics.SparseCategoricalAccuracy().update_state(np.eye(3)[[0, 1]], np.zeros((2, 3)))
    with pytest.raises(dg.ShapeError, match="class axis"):
        metrics.CategoricalAccuracy().update_state(np.array(1.0), np.array(0.5))


def test_top_k_refuses_bad_labels_and_bad_k():
    with pytest.raises(ValueError, match="label 7 is not a class index for 4 classes"):
        metrics.SparseTopKCategoricalAccuracy(k=2).update_state([7], np.zeros((1, 4)))
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(TypeError, match="threshold must be a number"):
        metrics.BinaryAccuracy(threshold="0.5")


@pytest.mark.parametrize("y_true,y_pred,chosen", [
    (np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]]), metrics.BinaryAccuracy),
    (np.array([1.0, 0.0]), np.array([0.8, 0.3]), metrics.BinaryAccuracy),
    (np.array([2, 0]), np.zeros((2, 3)), metrics.SparseCategoricalAccuracy),
    (np.array([[2], [0]]), np.zeros((2, 3)), metrics.SparseCategoricalAccuracy),
    (np.eye(3)[[2, 0]], np.zeros((2, 3)), metrics.CategoricalAccuracy),
])
def test_auto_accuracy_decides_from_the_first_batchs_shapes(y_true, y_pred, chosen):
    metric = metrics.AutoAccuracy()
    assert metric.result() == 0.0 and metric.resolved is None
    metric.update_state(y_true, y_pred)
    assert type(metric.resolved) is chosen and metric.resolved.name == "accuracy"
    expected = chosen()
    expected.update_state(y_true, y_pred)
    assert metric.result() == expected.result()
    metric.reset_state()
    assert type(metric.resolved) is chosen and metric.result() == 0.0
