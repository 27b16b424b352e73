"""Precision, Recall and AUC over unequal batches against sklearn; the edge cases Keras defines."""

import numpy as np
import pytest
from sklearn.metrics import precision_score, recall_score, roc_auc_score

import deepgrad as dg
from deepgrad import metrics

SIZES = [13, 64, 1, 50, 22]


def run(metric, y_true, y_pred, weights=None):
    bounds = np.cumsum([0, *SIZES])
    for start, end in zip(bounds[:-1], bounds[1:]):
        metric.update_state(y_true[start:end], y_pred[start:end],
                            sample_weight=None if weights is None else weights[start:end])
    return metric.result()


def noisy_binary(seed, separation=1.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, sum(SIZES))
    scores = 1 / (1 + np.exp(-rng.normal(separation * (2 * y - 1), 1.0)))
    return y, scores, rng.uniform(0.1, 2.0, y.shape)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_precision_and_recall_equal_sklearn_over_all_samples(threshold):
    y, scores, weights = noisy_binary(1)
    predicted = scores > threshold
    assert run(metrics.Precision(threshold), y, scores) == pytest.approx(precision_score(y, predicted))
    assert run(metrics.Recall(threshold), y, scores) == pytest.approx(recall_score(y, predicted))
    assert run(metrics.Precision(threshold), y, scores, weights) == pytest.approx(
        precision_score(y, predicted, sample_weight=weights))
    assert run(metrics.Recall(threshold), y, scores, weights) == pytest.approx(
        recall_score(y, predicted, sample_weight=weights))


def test_precision_and_recall_are_zero_when_undefined_as_in_keras():
    precision, recall = metrics.Precision(), metrics.Recall()
    precision.update_state([1, 0], np.array([0.1, 0.2]))  # nothing predicted positive
    recall.update_state([0, 0], np.array([0.9, 0.2]))  # no positives
    assert precision.result() == 0.0 and recall.result() == 0.0


def test_precision_takes_n_by_1_columns_and_tensors():
    precision = metrics.Precision()
    precision.update_state(dg.tensor([[1.0], [0.0], [1.0]]), dg.tensor([[0.9], [0.8], [0.2]], requires_grad=True))
    assert precision.result() == 0.5


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("separation", [0.3, 1.0, 2.0])
def test_auc_is_close_to_sklearns_exact_roc_auc(seed, separation):
    y, scores, weights = noisy_binary(seed, separation)
    assert run(metrics.AUC(), y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-2)
    assert run(metrics.AUC(), y, scores, weights) == pytest.approx(
        roc_auc_score(y, scores, sample_weight=weights), abs=1e-2)


def test_auc_gets_closer_with_more_thresholds():
    y, scores, _ = noisy_binary(5, 0.5)
    exact = roc_auc_score(y, scores)
    coarse = abs(run(metrics.AUC(num_thresholds=5), y, scores) - exact)
    fine = abs(run(metrics.AUC(num_thresholds=2000), y, scores) - exact)
    assert fine < 2e-3 and fine < coarse


def test_auc_is_exact_on_separable_data_and_one_half_on_a_constant():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 50)
    scores = np.where(y == 1, rng.uniform(0.6, 1.0, 100), rng.uniform(0.0, 0.4, 100))
    assert run(metrics.AUC(), y, scores) == pytest.approx(1.0, abs=1e-12)
    assert run(metrics.AUC(), y, 1 - scores) == pytest.approx(0.0, abs=1e-12)
    assert run(metrics.AUC(), y, np.full(100, 0.5)) == pytest.approx(0.5, abs=1e-12)


def test_auc_from_logits_applies_a_sigmoid_first():
    y, scores, _ = noisy_binary(7)
    logits = np.log(scores / (1 - scores))
    assert run(metrics.AUC(from_logits=True), y, logits) == pytest.approx(run(metrics.AUC(), y, scores), abs=1e-12)


def test_auc_matches_kerass_thresholds_by_hand():
    auc = metrics.AUC(num_thresholds=3)  # thresholds -eps, 0.5, 1 + eps
    auc.update_state([0, 1, 1, 0], np.array([0.2, 0.7, 0.4, 0.6]))
    # at 0.5: tpr = 1/2, fpr = 1/2 -> trapezoids (1 - 0.5)·(1 + 0.5)/2 + (0.5 - 0)·(0.5 + 0)/2 = 0.5
    assert auc.true_positives.tolist() == [2, 1, 0] and auc.false_positives.tolist() == [2, 1, 0]
    assert auc.result() == pytest.approx(0.5)
    auc.reset_state()
    assert auc.result() == 0.0


def test_non_binary_targets_and_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="binary targets .*holds 2"):
        metrics.Recall().update_state([0, 2], np.array([0.1, 0.9]))
    with pytest.raises(ValueError, match="num_thresholds must be a whole number > 1, got 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(TypeError, match="threshold must be a number"):
        metrics.Precision(threshold=None)
    with pytest.raises(dg.ShapeError, match="sample_weight has shape"):
        metrics.Precision().update_state([0, 1], np.array([0.1, 0.9]), sample_weight=[1.0, 2.0, 3.0])
