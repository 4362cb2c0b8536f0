"""Evaluation of a checkpoint on folders, one row per source folder, so that cross-source
generalisation (train on one generator, test on another) is one command.

For a source of one class, *accuracy* is the share of its own images classified correctly
(P(ai) >= 0.5 means ai). ROC AUC and calibration need both classes, so they pair the source
with every image of the other class in the evaluation (an AI source against all human
images, a human source against all AI images); without the other class they are left
empty (AUC) or computed on the source alone (calibration). The row "all" takes every image.

Written atomically into a new (or empty) folder: ``results.md`` and ``results.csv`` (the
table, with the checkpoint's ablations), ``scores.csv`` (every image's P(ai)), ``roc.png``
and one reliability diagram per source (``calibration-SOURCE.png``) and for all images.
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import CLASSES, DetectorError
from .augment import prepare
from .checkpoint import Loaded
from .data import Collection
from .metrics import (
    CalibrationBin,
    accuracy,
    calibration,
    expected_calibration_error,
    roc_auc,
    roc_curve,
)
from .model import predict
from .plots import Series, chart, colour

ALL = "all"


@dataclass
class Row:
    source: str
    cls: str  # "ai", "human", or "both" for the row "all"
    images: int
    accuracy: float
    auc: float
    ece: float
    paired_with: str  # what AUC and calibration compared against, in words
    in_training: bool
    bins: list[CalibrationBin]
    fpr: np.ndarray
    tpr: np.ndarray


@dataclass
class Evaluation:
    checkpoint: Path
    checkpoint_info: dict[str, Any]
    ablations: str
    rows: list[Row]  # one per source, then "all"
    collection: Collection
    scores: np.ndarray

    def table(self) -> list[dict[str, str]]:
        return [
            {
                "source": row.source,
                "class": row.cls,
                "images": str(row.images),
                "accuracy": _fmt(row.accuracy),
                "roc_auc": _fmt(row.auc),
                "ece": _fmt(row.ece),
                "auc_and_calibration_against": row.paired_with,
                "seen_in_training": "yes" if row.in_training else "no",
                "ablations": self.ablations,
            }
            for row in self.rows
        ]

    def markdown(self) -> str:
        info = self.checkpoint_info
        trained = ", ".join(f"{s['name']} ({s['class']}, {s['images']})" for s in info.get("data", {}).get("sources", []))
        validation = info.get("validation", {})
        lines = [
            f"# Detector evaluation: {self.checkpoint.name}",
            "",
            f"- checkpoint: `{self.checkpoint}` (created {info.get('created', '?')})",
            f"- ablations in training: **{self.ablations}**",
            (
                f"- input size: {info.get('model', {}).get('size', '?')} px; best epoch {info.get('best_epoch', '?')}; "
                f"held-out accuracy in training {_fmt(validation.get('accuracy', math.nan))}"
            ),
            f"- trained on: {trained or 'unknown'}",
            "",
            (
                "Accuracy: the source's own images at P(ai) >= 0.5. ROC AUC and ECE (10 bins): the source against "
                "every image of the other class here."
            ),
            "",
            "| source | class | images | accuracy | ROC AUC | ECE | AUC/ECE against | seen in training |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in self.table():
            lines.append(
                f"| {row['source']} | {row['class']} | {row['images']} | {row['accuracy'] or '-'} | {row['roc_auc'] or '-'} | "
                f"{row['ece'] or '-'} | {row['auc_and_calibration_against']} | {row['seen_in_training']} |"
            )
        skipped = self.collection.skipped
        if skipped:
            lines += ["", f"{len(skipped)} files were skipped:", ""] + [f"- `{s.path}`: {s.reason}" for s in skipped[:200]]
            if len(skipped) > 200:
                lines.append(f"- ... and {len(skipped) - 200} more")
        return "\n".join(lines) + "\n"


def _fmt(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def evaluate(loaded: Loaded, collection: Collection, checkpoint: Path) -> Evaluation:
    """Score every image of the collection (decoded at the checkpoint's size) and build the rows."""
    images = [prepare(image, loaded.ablations) for image in collection.images]
    scores = predict(loaded.model, images)
    labels = np.array([s.label for s in collection.samples], dtype=np.int64)
    sources = np.array([s.source for s in collection.samples], dtype=object)
    trained_folders = {
        str(Path(s.get("folder", "")).resolve()) for s in loaded.info.get("data", {}).get("sources", []) if s.get("folder")
    }
    rows = []
    for name in collection.sources():
        mine = sources == name
        label = int(labels[mine][0])
        others = labels == 1 - label
        paired = mine | others
        if others.any():
            against = f"all {CLASSES[1 - label]} ({int(others.sum())})"
            fpr, tpr = roc_curve(labels[paired], scores[paired])
        else:
            against = f"no {CLASSES[1 - label]} images: calibration on this source alone"
            fpr, tpr = np.zeros(0), np.zeros(0)
        bins = calibration(labels[paired], scores[paired])
        rows.append(
            Row(
                source=name,
                cls=CLASSES[label],
                images=int(mine.sum()),
                accuracy=accuracy(labels[mine], scores[mine]),
                auc=roc_auc(labels[paired], scores[paired]),
                ece=expected_calibration_error(bins),
                paired_with=against,
                in_training=str(collection.folders[name].resolve()) in trained_folders,
                bins=bins,
                fpr=fpr,
                tpr=tpr,
            )
        )
    bins = calibration(labels, scores)
    both = len(set(labels.tolist())) == 2
    fpr, tpr = roc_curve(labels, scores) if both else (np.zeros(0), np.zeros(0))
    rows.append(
        Row(
            source=ALL,
            cls="both" if both else CLASSES[int(labels[0])],
            images=len(labels),
            accuracy=accuracy(labels, scores),
            auc=roc_auc(labels, scores),
            ece=expected_calibration_error(bins),
            paired_with="every image here",
            in_training=False,
            bins=bins,
            fpr=fpr,
            tpr=tpr,
        )
    )
    return Evaluation(
        checkpoint=checkpoint,
        checkpoint_info=loaded.info,
        ablations=loaded.ablations.describe(),
        rows=rows,
        collection=collection,
        scores=scores,
    )


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "source"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def check_out(out: Path) -> None:
    """DetectorError unless ``out`` can become the results folder (new or empty, parent present)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DetectorError(f"{out} exists and is not an empty folder; choose another --out or remove it")
    if not out.parent.is_dir():
        raise DetectorError(f"the folder {out.parent} does not exist")


def write_report(evaluation: Evaluation, out: Path) -> list[str]:
    """Write the tables and figures into ``out`` (new or empty) through a temporary folder
    renamed into place; returns the file names written."""
    check_out(out)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        table = evaluation.table()
        (temporary / "results.md").write_text(evaluation.markdown(), encoding="utf-8")
        with (temporary / "results.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)
        with (temporary / "scores.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "source", "class", "p_ai", "predicted"])
            for sample, score in zip(evaluation.collection.samples, evaluation.scores, strict=True):
                predicted = CLASSES[int(score >= 0.5)]
                writer.writerow([str(sample.path), sample.source, CLASSES[sample.label], f"{score:.6f}", predicted])
        names = ["results.md", "results.csv", "scores.csv"]
        curves = [
            Series(f"{row.source} (AUC {_fmt(row.auc)})", row.fpr.tolist(), row.tpr.tolist(), colour(k))
            for k, row in enumerate(evaluation.rows)
            if row.fpr.size
        ]
        chart(
            temporary / "roc.png",
            f"ROC, each source against the other class (ablations: {evaluation.ablations})",
            curves,
            xlabel="false positive rate (human called ai)",
            ylabel="true positive rate",
            diagonal="chance",
        )
        names.append("roc.png")
        taken: set[str] = set()
        for k, row in enumerate(evaluation.rows):
            name = f"calibration-{_slug(row.source, taken)}.png"
            filled = [b for b in row.bins if b.count]
            biggest = max((b.count for b in filled), default=1)
            chart(
                temporary / name,
                f"calibration: {row.source} (ECE {_fmt(row.ece) or '-'}, {row.images} images)",
                [
                    Series(
                        f"{row.source} vs {row.paired_with}"[:26],
                        [b.mean_score for b in filled],
                        [b.fraction_ai for b in filled],
                        colour(k),
                        [2.5 + 5.0 * math.sqrt(b.count / biggest) for b in filled],
                    )
                ],
                xlabel="mean predicted P(ai) in the bin (bars: images per bin)",
                ylabel="share of AI images in the bin",
                diagonal="perfect calibration",
                bars=[(b.low, b.high, b.count) for b in row.bins],
            )
            names.append(name)
        os.replace(temporary, out)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return names
