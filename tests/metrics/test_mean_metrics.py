"""Mean, MeanMetricWrapper, MeanSquaredError and MeanAbsoluteError, weighted by samples across batches."""

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

import deepgrad as dg
from deepgrad import metrics
from deepgrad.nn import losses

SIZES = [5, 40, 1, 17]


def run(metric, y_true, y_pred):
    bounds = np.cumsum([0, *SIZES])
    for start, end in zip(bounds[:-1], bounds[1:]):
        metric.update_state(y_true[start:end], y_pred[start:end])
    return metric.result()


rng = np.random.default_rng(3)
Y = rng.normal(size=(sum(SIZES), 3))
P = Y + rng.normal(size=Y.shape)


def test_mse_and_mae_equal_sklearn_over_all_samples():
    assert run(metrics.MeanSquaredError(), Y, P) == pytest.approx(mean_squared_error(Y, P))
    assert run(metrics.MeanAbsoluteError(), Y, P) == pytest.approx(mean_absolute_error(Y, P))
    assert run(metrics.MeanSquaredError(), Y[:, 0], dg.tensor(P[:, :1])) == pytest.approx(
        mean_squared_error(Y[:, 0], P[:, 0]))


def test_mean_weights_batch_losses_by_batch_size():
    loss = metrics.Mean(name="loss")
    batch_losses = [((Y[a:b] - P[a:b]) ** 2).mean() for a, b in zip(np.cumsum([0, *SIZES])[:-1], np.cumsum(SIZES))]
    for value, size in zip(batch_losses, SIZES):
        loss.update_state(dg.tensor(value), sample_weight=size)
    assert loss.name == "loss"
    assert loss.result() == pytest.approx(((Y - P) ** 2).mean())
    assert loss.result() != pytest.approx(np.mean(batch_losses))


def test_mean_of_arrays_with_per_value_weights_and_its_empty_value():
    mean = metrics.Mean()
    assert mean.result() == 0.0
    mean.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=np.array([1.0, 0.0]))
    assert mean.result() == 2.0  # only the first row counts, each of its two values once
    mean.reset_state()
    assert (mean.total, mean.count, mean.result()) == (0.0, 0.0, 0.0)


def test_wrapper_counts_a_per_batch_number_once_per_sample_and_per_sample_values_once_each():
    per_batch = metrics.MeanMetricWrapper(lambda t, p: np.abs(t - p).max(), name="max_error")
    per_batch.update_state(np.zeros(3), np.array([1.0, 0.0, 0.0]))  # 1.0 for 3 samples
    per_batch.update_state(np.zeros(1), np.array([5.0]))  # 5.0 for 1 sample
    assert per_batch.result() == 2.0

    def halves(y_true, y_pred):
        return (y_pred - y_true) / 2

    per_sample = metrics.MeanMetricWrapper(halves)
    per_sample.update_state(np.zeros(2), np.array([2.0, 4.0]))
    per_sample.update_state(np.zeros(1), np.array([6.0]), sample_weight=[2.0])
    assert per_sample.name == "halves" and per_sample.result() == 2.25  # (1 + 2 + 2·3) / 4


def test_wrapper_hands_the_function_host_arrays_without_gradients():
    seen = []
    wrapper = metrics.MeanMetricWrapper(lambda t, p: seen.append((type(t), type(p))) or 0.0)
    wrapper.update_state(dg.tensor([1.0]), dg.tensor([2.0], requires_grad=True))
    assert seen == [(np.ndarray, np.ndarray)]


def test_a_loss_function_as_a_metric_is_its_mean_over_samples():
    metric = metrics.MeanMetricWrapper(losses.mean_squared_error)
    assert run(metric, Y, P) == pytest.approx(mean_squared_error(Y, P))


def test_wrapper_errors():
    with pytest.raises(ValueError, match="one number per batch, so it cannot be weighted"):
        metrics.MeanMetricWrapper(lambda t, p: 1.0).update_state(np.zeros(2), np.zeros(2), sample_weight=[1, 2])
    with pytest.raises(TypeError, match="needs a function"):
        metrics.MeanMetricWrapper("mse")
    with pytest.raises(dg.ShapeError, match=r"y_true has shape \(2, 3\) but y_pred has shape \(3, 2\)"):
        metrics.MeanSquaredError().update_state(np.zeros((2, 3)), np.zeros((3, 2)))


def test_config_and_repr():
    assert metrics.BinaryAccuracy(threshold=0.2).get_config() == {"name": "binary_accuracy", "threshold": 0.2}
    assert repr(metrics.AUC()) == "AUC(num_thresholds=200, from_logits=False, name='auc')"
    assert metrics.MeanSquaredError().name == "mean_squared_error"
