"""The detector's metrics (numpy only, no PyTorch): ROC AUC and curve, accuracy, calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pixelpatchwork.detector import metrics


def test_roc_auc_and_calibration() -> None:
    labels = [0, 0, 1, 1, 1, 0]
    scores = [0.1, 0.4, 0.35, 0.8, 0.9, 0.4]
    assert metrics.roc_auc(labels, scores) == pytest.approx(7 / 9)
    assert metrics.roc_auc([1, 0], [0.5, 0.5]) == 0.5  # ties count half
    assert math.isnan(metrics.roc_auc([1, 1], [0.2, 0.9]))
    fpr, tpr = metrics.roc_curve(labels, scores)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(7 / 9)
    assert metrics.accuracy(labels, scores) == pytest.approx(5 / 6)
    bins = metrics.calibration([0, 1, 1, 1], [0.05, 0.95, 0.95, 1.0], bins=10)
    assert [b.count for b in bins] == [1] + [0] * 8 + [3]
    assert bins[-1].mean_score == pytest.approx(2.9 / 3) and bins[-1].fraction_ai == 1
    assert metrics.expected_calibration_error(bins) == pytest.approx((0.05 + 3 * (1 - 2.9 / 3)) / 4)
    assert metrics.log_loss([1], [1.0]) < 1e-6

