"""Training: a held-out split per source, AdamW on cross-entropy, early stopping on the
held-out loss, and the best epoch's weights kept.

Runs on the CPU. Everything random (the split, the initial weights, dropout, the order of
batches and the ablations' augmentations) follows from the seed, so the same folders,
settings and thread count give the same detector.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from . import CLASSES
from .augment import Ablations, augment, prepare
from .data import Collection, require_both_classes, split
from .metrics import accuracy, log_loss, roc_auc
from .model import Detector, ModelConfig, predict, to_tensor


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.2
    patience: int = 4  # stop after this many epochs without a better held-out loss
    seed: int = 0
    model: ModelConfig = field(default_factory=ModelConfig)
    ablations: Ablations = field(default_factory=Ablations)

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {self.epochs}")
        if self.batch_size < 2:
            raise ValueError(f"the batch size must be at least 2, not {self.batch_size}")
        if not self.learning_rate > 0:
            raise ValueError(f"the learning rate must be positive, not {self.learning_rate}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"the held-out share must be between 0 and 1, not {self.val_fraction}")
        if self.weight_decay < 0:
            raise ValueError(f"the weight decay must not be negative, not {self.weight_decay}")
        if self.patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, not {self.patience}")

    def training_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("model")
        values.pop("ablations")
        return values


class Progress:
    """Hooks the command line uses for its progress bars; these do nothing."""

    def epoch_started(self, epoch: int, epochs: int, batches: int) -> None: ...

    def batch_done(self, loss: float) -> None: ...

    def epoch_done(self, record: dict[str, float]) -> None: ...


@dataclass
class TrainResult:
    model: Detector  # the best epoch's weights, in evaluation mode
    settings: TrainSettings
    train_indices: list[int]
    val_indices: list[int]
    history: list[dict[str, float]]
    best_epoch: int
    stopped_early: bool
    val_scores: np.ndarray  # P(ai) of the held-out images, best weights
    validation: dict[str, Any]

    def checkpoint_info(self, collection: Collection) -> dict[str, Any]:
        """The settings and results a checkpoint keeps (see checkpoint.py)."""
        sources = []
        for name in collection.sources():
            members = [s for s in collection.samples if s.source == name]
            sources.append(
                {"name": name, "class": CLASSES[members[0].label], "images": len(members), "folder": str(collection.folders[name].resolve())}
            )
        return {
            "training": self.settings.training_dict(),
            "history": self.history,
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
            "validation": self.validation,
            "data": {
                "sources": sources,
                "train_images": len(self.train_indices),
                "val_images": len(self.val_indices),
                "skipped_files": len(collection.skipped),
            },
        }


def train(collection: Collection, settings: TrainSettings, progress: Progress | None = None) -> TrainResult:
    """Train a detector on a collection (decoded at settings.model.size). Raises DetectorError
    when a class has too few images for a split."""
    progress = progress or Progress()
    samples, images = collection.samples, collection.images
    if images and images[0].shape[:2] != (settings.model.size, settings.model.size):
        raise ValueError(f"images are {images[0].shape[:2]}, the model takes {settings.model.size} pixels")
    require_both_classes(samples)
    train_idx, val_idx = split(samples, settings.val_fraction, settings.seed)
    labels = np.array([s.label for s in samples], dtype=np.int64)
    val_images = [prepare(images[i], settings.ablations) for i in val_idx]
    val_labels = labels[val_idx]

    torch.manual_seed(settings.seed)
    model = Detector(settings.model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    batches = math.ceil(len(train_idx) / settings.batch_size)
    history: list[dict[str, float]] = []
    best_loss, best_epoch, best_state, waited = math.inf, 0, copy.deepcopy(model.state_dict()), 0
    stopped_early = False
    for epoch in range(1, settings.epochs + 1):
        rng = np.random.default_rng([settings.seed, epoch])
        order = rng.permutation(train_idx)
        model.train()
        progress.epoch_started(epoch, settings.epochs, batches)
        total, seen = 0.0, 0
        for start in range(0, len(order), settings.batch_size):
            chosen = order[start : start + settings.batch_size]
            x = to_tensor([augment(images[i], settings.ablations, rng) for i in chosen])
            y = torch.from_numpy(labels[chosen])
            loss = loss_fn(model(x), y)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            value = loss.item()
            total += value * len(chosen)
            seen += len(chosen)
            progress.batch_done(value)
        scores = predict(model, val_images)
        record = {
            "epoch": epoch,
            "train_loss": total / max(seen, 1),
            "val_loss": log_loss(val_labels, scores),
            "val_accuracy": accuracy(val_labels, scores),
        }
        history.append(record)
        progress.epoch_done(record)
        if record["val_loss"] < best_loss - 1e-4:
            best_loss, best_epoch, waited = record["val_loss"], epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= settings.patience and epoch < settings.epochs:
                stopped_early = True
                break
    model.load_state_dict(best_state)
    model.eval()
    val_scores = predict(model, val_images)
    per_source: dict[str, dict[str, float]] = {}
    for name in collection.sources():
        mine = [k for k, i in enumerate(val_idx) if samples[i].source == name]
        if mine:
            per_source[name] = {"images": len(mine), "accuracy": accuracy(val_labels[mine], val_scores[mine])}
    validation = {
        "images": len(val_idx),
        "accuracy": accuracy(val_labels, val_scores),
        "auc": roc_auc(val_labels, val_scores),
        "loss": log_loss(val_labels, val_scores),
        "per_source": per_source,
    }
    return TrainResult(
        model=model,
        settings=settings,
        train_indices=list(train_idx),
        val_indices=list(val_idx),
        history=history,
        best_epoch=best_epoch,
        stopped_early=stopped_early,
        val_scores=val_scores,
        validation=validation,
    )
