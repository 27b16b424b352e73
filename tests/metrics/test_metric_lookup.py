"""metrics.get: names, instances, classes, functions; "accuracy" resolved from every kind of loss identifier."""

import functools

import numpy as np
import pytest

from deepgrad import metrics
from deepgrad.nn import losses


@pytest.mark.parametrize("name,cls", [
    ("binary_accuracy", metrics.BinaryAccuracy), ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("mse", metrics.MeanSquaredError), ("mean_squared_error", metrics.MeanSquaredError),
    ("mae", metrics.MeanAbsoluteError), ("mean_absolute_error", metrics.MeanAbsoluteError),
    ("precision", metrics.Precision), ("recall", metrics.Recall), ("auc", metrics.AUC),
])
def test_names_give_their_metric_named_as_asked(name, cls):
    metric = metrics.get(name)
    assert type(metric) is cls and metric.name == name


@pytest.mark.parametrize("loss,threshold", [
    ("binary_crossentropy", 0.5), ("BinaryCrossentropy", 0.5), (losses.binary_crossentropy, 0.5),
    (losses.BinaryCrossentropy(), 0.5), (losses.BinaryCrossentropy, 0.5),
    (losses.BinaryCrossentropy(from_logits=True), 0.0),
    (functools.partial(losses.binary_crossentropy, from_logits=True), 0.0),
    (functools.partial(losses.binary_crossentropy), 0.5),
    ({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}, 0.0),
])
def test_accuracy_with_a_binary_crossentropy_is_binary_with_the_right_threshold(loss, threshold):
    for name in ("accuracy", "acc"):
        metric = metrics.get(name, loss=loss)
        assert type(metric) is metrics.BinaryAccuracy and metric.threshold == threshold and metric.name == name


def test_accuracy_on_logits_uses_threshold_zero():
    metric = metrics.get("accuracy", loss=losses.BinaryCrossentropy(from_logits=True))
    metric.update_state([[1.0], [0.0], [1.0]], np.array([[0.3], [-0.2], [-4.0]]))  # logits: right, right, wrong
    assert metric.result() == pytest.approx(2 / 3)


@pytest.mark.parametrize("loss", [
    "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    losses.SparseCategoricalCrossentropy(from_logits=True), losses.SparseCategoricalCrossentropy,
])
def test_accuracy_with_a_sparse_crossentropy_is_sparse(loss):
    metric = metrics.get("accuracy", loss=loss)
    assert type(metric) is metrics.SparseCategoricalAccuracy and metric.name == "accuracy"


@pytest.mark.parametrize("loss", [
    "categorical_crossentropy", "CategoricalCrossentropy", losses.categorical_crossentropy,
    losses.CategoricalCrossentropy(from_logits=True),
])
def test_accuracy_with_a_categorical_crossentropy_is_categorical(loss):
    assert type(metrics.get("accuracy", loss=loss)) is metrics.CategoricalAccuracy


@pytest.mark.parametrize("loss", [None, "mse", losses.mean_squared_error, losses.Huber(), "hinge",
                                  "not_a_loss", lambda y_true, y_pred: 0.0])
def test_accuracy_with_another_loss_decides_from_shapes(loss):
    metric = metrics.get("accuracy", loss=loss)
    assert type(metric) is metrics.AutoAccuracy and metric.name == "accuracy"
    metric.update_state([[0.0], [1.0]], np.array([[0.2], [0.4]]))
    assert type(metric.resolved) is metrics.BinaryAccuracy and metric.result() == 0.5


def test_instances_are_used_as_they_are_and_classes_are_made():
    auc = metrics.AUC(num_thresholds=50, name="roc")
    assert metrics.get(auc) is auc
    assert type(metrics.get(metrics.Recall)) is metrics.Recall


def test_functions_and_loss_names_are_wrapped_in_a_mean():
    def worst_error(y_true, y_pred):
        return np.abs(y_true - y_pred).max()

    metric = metrics.get(worst_error)
    assert type(metric) is metrics.MeanMetricWrapper and metric.name == "worst_error"
    crossentropy = metrics.get("binary_crossentropy")
    crossentropy.update_state(np.array([[1.0]]), np.array([[0.5]]))
    assert crossentropy.name == "binary_crossentropy" and crossentropy.result() == pytest.approx(np.log(2), rel=1e-6)


def test_unknown_names_list_the_valid_ones_and_wrong_types_say_what_works():
    with pytest.raises(ValueError, match=r"unknown metric 'acuracy'; use one of \[.*'accuracy'.*'auc'.*'mse'"):
        metrics.get("acuracy")
    with pytest.raises(TypeError, match="got 3 \\(int\\)"):
        metrics.get(3)
