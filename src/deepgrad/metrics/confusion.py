"""Metrics from the confusion matrix of a binary task: Precision, Recall and ROC AUC.

Targets are 0 or 1 (any shape: every element is one decision, as in Keras); predictions are
probabilities, positive when above the threshold. The counts are weighted sums over every
batch, so the epoch value is the value over all samples.

    >>> m = metrics.Precision()
    >>> m.update_state([1, 0, 1], np.array([0.9, 0.8, 0.2]))   # one true positive, one false positive
    >>> m.result()
    0.5
"""

from deepgrad.engine import backend
from deepgrad.metrics.base import Metric, paired, weights_like

_np = backend.host_numpy()
EPSILON = 1e-7  # Keras's backend.epsilon(): the outer AUC thresholds sit just outside [0, 1]


def _decisions(metric, y_true, y_pred, sample_weight):
    """(positive targets as bool, predictions, weights) as flat host arrays, after checking the targets."""
    y_true, y_pred = paired(metric, y_true, y_pred)
    weights = weights_like(metric, y_pred, sample_weight).ravel()
    y_true, y_pred = y_true.ravel(), y_pred.ravel().astype(_np.float64)
    bad = y_true[(y_true != 0) & (y_true != 1)]
    if bad.size:
        raise ValueError(f"{metric} needs binary targets (0 or 1), but y_true holds {bad[0].item()!r}; "
                         f"for several classes, one-hot encode and compute it per class")
    return y_true == 1, y_pred, weights


def _ratio(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (Keras's divide_no_nan)."""
    return _np.divide(numerator, denominator, out=_np.zeros_like(numerator, dtype=_np.float64),
                      where=denominator != 0)


def _check_threshold(owner, threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | _np.floating):
        raise TypeError(f"{owner}: threshold must be a number such as 0.5, got {threshold!r}")
    return float(threshold)


class Precision(Metric):
    """tp / (tp + fp): of the predicted positives (y_pred > threshold), the fraction that are positive.

    0.0 when nothing was predicted positive, as in Keras.

        >>> m = metrics.Precision(threshold=0.5)
        >>> m.update_state([1, 1, 0], np.array([0.7, 0.6, 0.1]))
        >>> m.result()
        1.0
    """

    def __init__(self, threshold=0.5, name="precision"):
        self.threshold = _check_threshold("Precision", threshold)
        super().__init__(name=name)

    def reset_state(self):
        self.true_positives = 0.0
        self.false_positives = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        positive, y_pred, weights = _decisions(self.name, y_true, y_pred, sample_weight)
        predicted = y_pred > self.threshold
        self.true_positives += float(weights[positive & predicted].sum())
        self.false_positives += float(weights[~positive & predicted].sum())

    def result(self):
        return float(_ratio(_np.float64(self.true_positives), _np.float64(self.true_positives + self.false_positives)))

    def get_config(self):
        return {"threshold": self.threshold, "name": self.name}


class Recall(Metric):
    """tp / (tp + fn): of the positives, the fraction predicted positive (y_pred > threshold).

    0.0 when there were no positives, as in Keras.

        >>> m = metrics.Recall()
        >>> m.update_state([1, 1, 0], np.array([0.7, 0.4, 0.1]))
        >>> m.result()
        0.5
    """

    def __init__(self, threshold=0.5, name="recall"):
        self.threshold = _check_threshold("Recall", threshold)
        super().__init__(name=name)

    def reset_state(self):
        self.true_positives = 0.0
        self.false_negatives = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        positive, y_pred, weights = _decisions(self.name, y_true, y_pred, sample_weight)
        predicted = y_pred > self.threshold
        self.true_positives += float(weights[positive & predicted].sum())
        self.false_negatives += float(weights[positive & ~predicted].sum())

    def result(self):
        return float(_ratio(_np.float64(self.true_positives), _np.float64(self.true_positives + self.false_negatives)))

    def get_config(self):
        return {"threshold": self.threshold, "name": self.name}


class AUC(Metric):
    """Area under the ROC curve, by the trapezoidal rule over `num_thresholds` thresholds (Keras's AUC).

    The thresholds are -ε, 1/(n-1), 2/(n-1), ..., (n-2)/(n-1), 1+ε; at each, a prediction above
    it is positive, giving the true positive rate tpr = tp/(tp+fn) and false positive rate
    fpr = fp/(fp+tn). Then AUC = Σ_i (fpr_i - fpr_{i+1}) · (tpr_i + tpr_{i+1}) / 2. Predictions
    are probabilities in [0, 1]; pass from_logits=True for logits (a sigmoid is applied first).
    It approaches sklearn's exact roc_auc_score as num_thresholds grows.

        >>> m = metrics.AUC()
        >>> m.update_state([0, 0, 1, 1], np.array([0.1, 0.4, 0.35, 0.8]))
        >>> round(m.result(), 4)
        0.75
    """

    def __init__(self, num_thresholds=200, from_logits=False, name="auc"):
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or num_thresholds < 2:
            raise ValueError(f"AUC: num_thresholds must be a whole number > 1, got {num_thresholds!r}; 200 is usual")
        self.num_thresholds = num_thresholds
        self.from_logits = bool(from_logits)
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = _np.array([-EPSILON, *inner, 1 + EPSILON])
        super().__init__(name=name)

    def reset_state(self):
        self.true_positives = _np.zeros(self.num_thresholds)
        self.false_positives = _np.zeros(self.num_thresholds)
        self.true_negatives = _np.zeros(self.num_thresholds)
        self.false_negatives = _np.zeros(self.num_thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        positive, y_pred, weights = _decisions(self.name, y_true, y_pred, sample_weight)
        if self.from_logits:
            y_pred = 1 / (1 + _np.exp(-y_pred))
        for is_positive, above, below in ((True, self.true_positives, self.false_negatives),
                                          (False, self.false_positives, self.true_negatives)):
            at_or_below = self._weight_at_or_below(y_pred[positive == is_positive], weights[positive == is_positive])
            below += at_or_below
            above += weights[positive == is_positive].sum() - at_or_below

    def _weight_at_or_below(self, scores, weights):
        """For each threshold t, the summed weight of the scores <= t (sorting, not an n × thresholds grid)."""
        order = _np.argsort(scores, kind="stable")
        cumulative = _np.concatenate([[0.0], _np.cumsum(weights[order])])
        return cumulative[_np.searchsorted(scores[order], self.thresholds, side="right")]

    def result(self):
        tpr = _ratio(self.true_positives, self.true_positives + self.false_negatives)
        fpr = _ratio(self.false_positives, self.false_positives + self.true_negatives)
        return float(((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2).sum())

    def get_config(self):
        return {"num_thresholds": self.num_thresholds, "from_logits": self.from_logits, "name": self.name}
