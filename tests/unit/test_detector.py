"""The AI-or-human detector (pixelpatchwork.detector): training on synthetic sets with a known
signal, the grayscale ablation, checkpoints, Grad-CAM, metrics and refused input.

Needs PyTorch (the `detector` extra): skipped without it locally, failed in CI. Small
images, few epochs and one thread keep the module fast.
"""

from __future__ import annotations

import io
import math
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests import detector_images
from tests.services import service_unavailable

try:
    import torch
    from pixelpatchwork.detector import CLASSES, DetectorError, checkpoint
    from pixelpatchwork.detector.augment import (
        Ablations,
        augment,
        jpeg_reencode,
        prepare,
        stamp_watermark,
        to_grayscale,
    )
    from pixelpatchwork.detector.data import Collection, collect, split
    from pixelpatchwork.detector.evaluate import evaluate, write_report
    from pixelpatchwork.detector.gradcam import grad_cam, mass_inside
    from pixelpatchwork.detector.model import ModelConfig, predict
    from pixelpatchwork.detector.train import TrainResult, TrainSettings, train
except ImportError as exc:  # the extra is not installed
    torch = None  # type: ignore[assignment]
    MISSING = f"{type(exc).__name__}: {exc}"


COLOUR_SIZE, STAMP_SIZE = 32, 48
FAST = {"epochs": 5, "batch_size": 16}


@pytest.fixture(autouse=True, scope="module")
def _needs_torch() -> None:
    if torch is None:
        service_unavailable(f"PyTorch is not installed ({MISSING}): pip install -e '.[detector]'")
    torch.set_num_threads(1)


def _settings(size: int, **overrides: Any) -> TrainSettings:
    ablations = overrides.pop("ablations", Ablations())
    return TrainSettings(**{**FAST, **overrides}, model=ModelConfig(size=size), ablations=ablations)


@pytest.fixture(scope="module")
def colour_sets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("colour")
    detector_images.saturation_set(root / "ai", 120, saturated=True, size=COLOUR_SIZE, seed=1)
    detector_images.saturation_set(root / "human", 120, saturated=False, size=COLOUR_SIZE, seed=2)
    return root


@pytest.fixture(scope="module")
def colour_collection(colour_sets: Path) -> Collection:
    return collect([colour_sets / "ai"], [colour_sets / "human"], COLOUR_SIZE)


@pytest.fixture(scope="module")
def colour_model(colour_collection: Collection) -> TrainResult:
    return train(colour_collection, _settings(COLOUR_SIZE))


# --- training and the ablations --------------------------------------------------


def test_training_learns_a_colour_signal(colour_model: TrainResult) -> None:
    assert colour_model.validation["accuracy"] >= 0.9, colour_model.history
    assert colour_model.validation["auc"] >= 0.95
    assert set(colour_model.validation["per_source"]) == {"ai", "human"}
    assert 1 <= colour_model.best_epoch <= len(colour_model.history) <= FAST["epochs"]
    assert len(colour_model.val_indices) == 48 and len(colour_model.train_indices) == 192


def test_grayscale_removes_a_colour_only_signal(colour_collection: Collection, tmp_path: Path) -> None:
    settings = _settings(COLOUR_SIZE, epochs=8, patience=2, ablations=Ablations(grayscale=True))
    result = train(colour_collection, settings)
    assert result.validation["accuracy"] <= 0.65, result.history
    # Nothing to learn: the held-out loss stops improving and training stops early, keeping the best epoch.
    losses = [record["val_loss"] for record in result.history]
    assert result.stopped_early and len(result.history) < 8, result.history
    assert result.best_epoch == 1 + int(np.argmin(losses))
    assert result.validation["loss"] == pytest.approx(min(losses))
    # The ablation travels with the checkpoint and is reported by the evaluation.
    path = tmp_path / "gray.pt"
    checkpoint.save(path, result.model, result.settings.ablations, **result.checkpoint_info(colour_collection))
    loaded = checkpoint.load(path)
    assert loaded.ablations == Ablations(grayscale=True)
    evaluation = evaluate(loaded, colour_collection, path)
    assert evaluation.ablations == "grayscale"
    assert "ablations in training: **grayscale**" in evaluation.markdown()
    assert {row["ablations"] for row in evaluation.table()} == {"grayscale"}


def test_augmentations_are_seeded_and_grayscale_is_luma() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(40, 40, 3), dtype=np.uint8)
    gray = to_grayscale(image)
    assert (gray[..., 0] == gray[..., 1]).all() and (gray[..., 1] == gray[..., 2]).all()
    assert np.array_equal(gray[..., 0], np.asarray(Image.fromarray(image).convert("L")))
    everything = Ablations(watermark=True, jpeg=True, noise=True)
    first = [augment(image, everything, np.random.default_rng(7)) for _ in range(2)]
    assert np.array_equal(first[0], first[1])
    assert not np.array_equal(stamp_watermark(image, np.random.default_rng(1)), image)
    assert not np.array_equal(jpeg_reencode(image, 40), image)
    assert np.array_equal(prepare(image, Ablations()), image)
    assert augment(image, Ablations(grayscale=True, noise=True), np.random.default_rng(3)).std(axis=2).max() == 0


# --- checkpoints -------------------------------------------------------------------


def _save(result: TrainResult, collection: Collection, path: Path) -> Path:
    checkpoint.save(path, result.model, result.settings.ablations, **result.checkpoint_info(collection))
    return path


def test_checkpoint_reloads_with_the_same_scores(colour_model: TrainResult, colour_collection: Collection, tmp_path: Path) -> None:
    path = _save(colour_model, colour_collection, tmp_path / "colour.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["colour.pt"]  # no temporary file left
    loaded = checkpoint.load(path)
    images = [prepare(colour_collection.images[i], loaded.ablations) for i in colour_model.val_indices]
    assert np.array_equal(predict(loaded.model, images), colour_model.val_scores)
    info = loaded.info
    assert info["classes"] == list(CLASSES) and info["model"]["size"] == COLOUR_SIZE
    assert info["ablations"] == {"grayscale": False, "watermark": False, "jpeg": False, "noise": False}
    assert info["training"]["epochs"] == FAST["epochs"] and info["training"]["seed"] == 0
    assert set(info["versions"]) == {"pixelpatchwork", "torch", "numpy", "pillow", "python"}
    assert [s["name"] for s in info["data"]["sources"]] == ["ai", "human"]
    assert info["validation"]["accuracy"] == colour_model.validation["accuracy"]


def test_an_interrupted_save_leaves_nothing(colour_model: TrainResult, colour_collection: Collection, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(obj: object, f: Path) -> None:
        Path(f).write_bytes(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", half_written)
    with pytest.raises(KeyboardInterrupt):
        _save(colour_model, colour_collection, tmp_path / "colour.pt")
    assert list(tmp_path.iterdir()) == []


def test_unusable_checkpoints_are_refused_in_one_line(colour_model: TrainResult, tmp_path: Path) -> None:
    def refusal(path: Path) -> str:
        with pytest.raises(DetectorError) as caught:
            checkpoint.load(path)
        message = str(caught.value)
        assert "\n" not in message and len(message) < 400
        return message

    assert refusal(tmp_path / "missing.pt") == f"there is no checkpoint at {tmp_path / 'missing.pt'}"
    (tmp_path / "noise.pt").write_bytes(b"\x00not a checkpoint at all" * 10)
    assert "is not a detector checkpoint (it could not be read" in refusal(tmp_path / "noise.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    assert "is not a detector checkpoint (no 'pixelpatchwork-detector' format mark)" in refusal(tmp_path / "other.pt")
    evil = tmp_path / "pickle.pt"
    evil.write_bytes(pickle.dumps(print, protocol=2))
    assert "is not a detector checkpoint" in refusal(evil)
    good = {"format": checkpoint.FORMAT, "classes": list(CLASSES), "model": colour_model.model.config.as_dict(),
            "state_dict": colour_model.model.state_dict()}
    torch.save({**good, "format_version": checkpoint.FORMAT_VERSION + 1}, tmp_path / "newer.pt")
    assert "newer than this PixelPatchwork reads" in refusal(tmp_path / "newer.pt")
    torch.save({**good, "format_version": 1, "model": {**good["model"], "width": 8}}, tmp_path / "misfit.pt")
    assert "does not fit this detector's network" in refusal(tmp_path / "misfit.pt")
    torch.save({**good, "format_version": 1, "classes": ["real", "fake"]}, tmp_path / "classes.pt")
    assert "has classes ['real', 'fake']" in refusal(tmp_path / "classes.pt")


# --- Grad-CAM --------------------------------------------------------------------


def test_grad_cam_concentrates_on_the_stamp(tmp_path: Path) -> None:
    boxes = detector_images.stamp_set(tmp_path / "ai", 100, stamped=True, size=STAMP_SIZE, seed=3)
    detector_images.stamp_set(tmp_path / "human", 100, stamped=False, size=STAMP_SIZE, seed=4)
    collection = collect([tmp_path / "ai"], [tmp_path / "human"], STAMP_SIZE)
    result = train(collection, _settings(STAMP_SIZE))
    assert result.validation["accuracy"] >= 0.9, result.history
    inside_ai, inside_human, peaks = [], [], []
    held_out_ai = [i for i in result.val_indices if collection.samples[i].label == 1]
    assert len(held_out_ai) == 20
    for i in held_out_ai:
        box = boxes[collection.samples[i].path.name]
        for_ai = grad_cam(result.model, collection.images[i], "ai")
        for_human = grad_cam(result.model, collection.images[i], "human")
        assert for_ai.scores == pytest.approx(for_human.scores)
        inside_ai.append(mass_inside(for_ai.cam, box))
        inside_human.append(mass_inside(for_human.cam, box))
        row, column = np.unravel_index(int(np.argmax(for_ai.cam)), for_ai.cam.shape)
        peaks.append(box[0] <= column < box[2] and box[1] <= row < box[3])
    share_of_area = (12 * 12) / (STAMP_SIZE * STAMP_SIZE)  # 0.0625
    # The box is 6% of the picture: the "ai" map puts over six times that share of its mass
    # inside it (about half), with its peak there; the "human" map (class-aware) looks elsewhere.
    assert np.mean(inside_ai) >= 0.4 > 6 * share_of_area and min(inside_ai) >= 0.25, inside_ai
    assert np.mean(peaks) >= 0.9, peaks
    assert np.mean(inside_human) < 0.5 * np.mean(inside_ai), inside_human


def test_grad_cam_refuses_an_unknown_class(colour_model: TrainResult, colour_collection: Collection) -> None:
    with pytest.raises(ValueError, match="must be one of human, ai"):
        grad_cam(colour_model.model, colour_collection.images[0], "fake")


# --- evaluation ------------------------------------------------------------------


def test_evaluation_per_source(colour_model: TrainResult, colour_collection: Collection, colour_sets: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    detector_images.saturation_set(other / "ai", 20, saturated=True, size=COLOUR_SIZE, seed=11)
    detector_images.saturation_set(other / "human", 20, saturated=False, size=COLOUR_SIZE, seed=12)
    path = _save(colour_model, colour_collection, tmp_path / "colour.pt")
    loaded = checkpoint.load(path)
    collection = collect([colour_sets / "ai", other / "ai"], [colour_sets / "human", other / "human"], loaded.size)
    evaluation = evaluate(loaded, collection, path)
    rows = {row.source: row for row in evaluation.rows}
    assert list(rows) == ["colour0/ai", "other/ai", "colour0/human", "other/human", "all"]
    assert [rows[name].in_training for name in rows] == [True, False, True, False, False]
    assert rows["other/ai"].images == 20 and rows["all"].images == 280
    assert rows["other/ai"].paired_with == "all human (140)"
    for row in evaluation.rows:
        assert row.accuracy >= 0.9 and row.auc >= 0.95 and 0 <= row.ece <= 0.2
    out = tmp_path / "report"
    names = write_report(evaluation, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert {"results.md", "results.csv", "scores.csv", "roc.png", "calibration-other-ai.png", "calibration-all.png"} <= set(names)
    assert len(names) == 3 + 1 + 5
    with Image.open(out / "calibration-other-ai.png") as figure:
        assert figure.format == "PNG" and figure.size[0] >= 400
    assert len((out / "scores.csv").read_text().splitlines()) == 281
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_evaluation_of_one_class_leaves_auc_empty(colour_model: TrainResult, colour_sets: Path, tmp_path: Path) -> None:
    collection = collect([colour_sets / "ai"], [], COLOUR_SIZE)
    loaded = checkpoint.Loaded(colour_model.model, Ablations(), {})
    rows = evaluate(loaded, collection, tmp_path / "x.pt").rows
    assert [row.source for row in rows] == ["ai", "all"]
    assert all(math.isnan(row.auc) for row in rows) and rows[0].accuracy >= 0.9
    assert "calibration on this source alone" in rows[0].paired_with


# --- folders and images ------------------------------------------------------------


def test_collect_reads_what_it_can_and_reports_the_rest(tmp_path: Path) -> None:
    ai, human = tmp_path / "ai", tmp_path / "human"
    detector_images.saturation_set(ai, 3, saturated=True, size=20)
    detector_images.saturation_set(human / "nested", 2, saturated=False, size=20)
    (ai / "notes.txt").write_text("not a picture")
    (ai / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    (ai / ".hidden.png").write_bytes(b"skipped quietly")
    transparent = Image.new("RGBA", (30, 10), (255, 0, 0, 0))
    transparent.save(human / "clear.png")
    rotated = Image.new("RGB", (30, 10), (0, 0, 255))
    exif = rotated.getexif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    buffer = io.BytesIO()
    rotated.save(buffer, format="JPEG", exif=exif.tobytes())
    (human / "rotated.jpg").write_bytes(buffer.getvalue())
    seen: list[int] = []
    collection = collect([ai], [human], 16, progress=seen.append)
    assert sum(seen) == 9
    assert collection.counts() == {"ai": 3, "human": 4}
    assert {s.path.name: s.reason.split(" ")[0] for s in collection.skipped} == {"broken.png": "unreadable", "notes.txt": "not"}
    assert collection.skipped_summary() == "2 files skipped (1 not images, 1 unreadable)"
    by_name = {s.path.name: image for s, image in zip(collection.samples, collection.images, strict=True)}
    assert by_name["clear.png"].shape == (16, 16, 3) and (by_name["clear.png"] == 255).all()  # flattened on white
    from pixelpatchwork.detector.data import load_image

    assert load_image(human / "rotated.jpg").size == (10, 30)  # EXIF orientation applied


@pytest.mark.parametrize(
    "layout, message",
    [
        ("missing", "there is no folder {root}/ai"),
        ("empty", "the ai folder {root}/ai is empty"),
        ("text", "the ai folder {root}/ai has no readable image (2 files, none usable)"),
        ("twice", "{root}/human is given more than once (a folder is one source of one class)"),
    ],
)
def test_unusable_folders_are_refused(tmp_path: Path, layout: str, message: str) -> None:
    human = detector_images.saturation_set(tmp_path / "human", 2, saturated=False, size=16)
    ai = tmp_path / "ai"
    if layout != "missing":
        ai.mkdir()
    if layout == "text":
        (ai / "a.txt").write_text("x")
        (ai / "b.jpg").write_text("not a jpeg")
    folders = ([human], [human]) if layout == "twice" else ([ai], [human])
    with pytest.raises(DetectorError) as caught:
        collect(*folders, 16)
    assert str(caught.value) == message.format(root=tmp_path)


def test_split_is_seeded_per_source_and_needs_both_classes(tmp_path: Path) -> None:
    detector_images.saturation_set(tmp_path / "ai", 10, saturated=True, size=16)
    detector_images.saturation_set(tmp_path / "human", 5, saturated=False, size=16)
    collection = collect([tmp_path / "ai"], [tmp_path / "human"], 16)
    first = split(collection.samples, 0.2, seed=1)
    assert first == split(collection.samples, 0.2, seed=1) != split(collection.samples, 0.2, seed=2)
    train_idx, val_idx = first
    assert sorted(train_idx + val_idx) == list(range(15)) and len(val_idx) == 2 + 1
    one_class = Collection(samples=collection.samples[:10], images=collection.images[:10])
    with pytest.raises(DetectorError, match="training needs at least 2 readable human images"):
        train(one_class, _settings(16))
