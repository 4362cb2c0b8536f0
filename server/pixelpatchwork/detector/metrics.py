"""Scores against labels, with numpy only: accuracy, log loss, ROC curve and AUC, calibration.

Labels are 1 for ai and 0 for human; a score is the predicted P(ai). Calibration is the
binary reliability diagram: scores fall into equal-width bins over 0..1, and each bin
compares its mean score with its share of AI images; the expected calibration error (ECE)
is the mean gap weighted by the bins' counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.5
CALIBRATION_BINS = 10


def _arrays(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.int64).ravel()
    p = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"{y.size} labels but {p.size} scores")
    return y, p


def accuracy(labels: object, scores: object, threshold: float = THRESHOLD) -> float:
    """Share of images on the right side of the threshold (score >= threshold means ai); nan if none."""
    y, p = _arrays(labels, scores)
    return float(np.mean((p >= threshold).astype(np.int64) == y)) if y.size else math.nan


def log_loss(labels: object, scores: object, eps: float = 1e-7) -> float:
    """Mean cross-entropy of the scores; nan if there are none."""
    y, p = _arrays(labels, scores)
    if not y.size:
        return math.nan
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1.0 - p)))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(values.size, dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + 1 + end) / 2.0
    return ranks


def roc_auc(labels: object, scores: object) -> float:
    """Area under the ROC curve (the chance that a random AI image scores above a random human
    one, ties counting half); nan unless both classes are present."""
    y, p = _arrays(labels, scores)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = _average_ranks(p)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_curve(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct threshold, from (0, 0) to (1, 1)."""
    y, p = _arrays(labels, scores)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    order = np.argsort(-p, kind="mergesort")
    p_sorted, y_sorted = p[order], y[order]
    last_of_group = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    tps = np.cumsum(y_sorted)[last_of_group]
    fps = np.cumsum(1 - y_sorted)[last_of_group]
    return np.r_[0.0, fps / n_neg], np.r_[0.0, tps / n_pos]


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_score: float  # nan for an empty bin
    fraction_ai: float  # nan for an empty bin


def calibration(labels: object, scores: object, bins: int = CALIBRATION_BINS) -> list[CalibrationBin]:
    """The reliability diagram's bins (equal width over 0..1; a score of 1 falls in the last)."""
    y, p = _arrays(labels, scores)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    result = []
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        result.append(
            CalibrationBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                count=count,
                mean_score=float(p[inside].mean()) if count else math.nan,
                fraction_ai=float(y[inside].mean()) if count else math.nan,
            )
        )
    return result


def expected_calibration_error(bins: list[CalibrationBin]) -> float:
    """Count-weighted mean |mean score - share of AI| over the bins; nan when they are empty."""
    total = sum(b.count for b in bins)
    if not total:
        return math.nan
    return float(sum(b.count * abs(b.mean_score - b.fraction_ai) for b in bins if b.count) / total)
