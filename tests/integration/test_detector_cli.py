"""`pixelpatchwork detector train|eval|explain` as commands: outputs, one-line refusals with
exit 2 and nothing written, and the message without PyTorch.

Tests that train need PyTorch (the `detector` extra): skipped without it locally, failed in
CI. The tests of the message without PyTorch hide it and run either way.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pixelpatchwork import cli

from tests import detector_images
from tests.services import service_unavailable

SIZE = 32
INSTALL_LINE = "pixelpatchwork detector: PyTorch is not installed; install the detector extra: pip install -e '.[detector]'"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixelpatchwork.cli", "detector", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.fixture(scope="module")
def needs_torch() -> None:
    try:
        import torch
    except ImportError as exc:
        service_unavailable(f"PyTorch is not installed ({exc}): pip install -e '.[detector]'")
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("images")
    return {
        "ai": detector_images.saturation_set(root / "sd" / "ai", 60, saturated=True, size=SIZE, seed=1),
        "human": detector_images.saturation_set(root / "sd" / "human", 60, saturated=False, size=SIZE, seed=2),
        "other_ai": detector_images.saturation_set(root / "mj" / "ai", 15, saturated=True, size=SIZE, seed=3),
        "other_human": detector_images.saturation_set(root / "mj" / "human", 15, saturated=False, size=SIZE, seed=4),
    }


@pytest.fixture(scope="module")
def trained(needs_torch: None, folders: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint written by the real command (a subprocess)."""
    work = tmp_path_factory.mktemp("work")
    done = run(
        work, "train", "--ai", str(folders["ai"]), "--human", str(folders["human"]), "--out", "colour.pt",
        "--size", str(SIZE), "--epochs", "5", "--batch-size", "16", "--threads", "1",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "trained on 96 images, held out 24 (60 ai, 60 human in 2 source folders); ablations: none"
    assert lines[1].startswith("best epoch ") and "held-out accuracy 1.000" in lines[1], done.stdout
    assert lines[-1] == "checkpoint: colour.pt"
    assert [p.name for p in work.iterdir()] == ["colour.pt"]
    return work / "colour.pt"


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the command in-process; it must exit 2 with one line on stderr, which is returned."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["detector", *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


# --- the commands ------------------------------------------------------------------


def test_eval_reports_every_source(trained: Path, folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    cli.main([
        "detector", "eval", "--checkpoint", str(trained), "--ai", str(folders["ai"]), str(folders["other_ai"]),
        "--human", str(folders["human"]), str(folders["other_human"]), "--out", str(out), "--threads", "1",
    ])
    stdout = capsys.readouterr().out
    assert f"checkpoint {trained} (ablations: none) on 150 images:" in stdout
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [(r["source"], r["class"], r["images"], r["seen_in_training"]) for r in rows] == [
        ("sd/ai", "ai", "60", "yes"), ("mj/ai", "ai", "15", "no"),
        ("sd/human", "human", "60", "yes"), ("mj/human", "human", "15", "no"), ("all", "both", "150", "no"),
    ]
    for row in rows:
        assert float(row["accuracy"]) >= 0.9 and float(row["roc_auc"]) >= 0.95 and row["ablations"] == "none"
        assert f"  {row['source']:<24} {row['class']:<6}" in stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "results.md", "results.csv", "scores.csv", "roc.png", "calibration-sd-ai.png", "calibration-mj-ai.png",
        "calibration-sd-human.png", "calibration-mj-human.png", "calibration-all.png",
    ])
    assert "| mj/ai | ai | 15 |" in (out / "results.md").read_text()
    assert f"wrote 9 files to {out}" in stdout


def test_explain_writes_a_heatmap_overlay(trained: Path, folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "big.png"
    with Image.open(folders["ai"] / "000.png") as small:
        small.resize((96, 80)).save(big)
    cli.main(["detector", "explain", str(big), "--checkpoint", str(trained)])
    stdout = capsys.readouterr().out
    assert "predicted ai; Grad-CAM for class ai (checkpoint ablations: none): big-gradcam-ai.png" in stdout
    with Image.open(tmp_path / "big-gradcam-ai.png") as overlay:
        assert overlay.format == "PNG" and overlay.size == (96, 80)
    cli.main(["detector", "explain", str(big), "--checkpoint", str(trained), "--target", "human"])
    assert (tmp_path / "big-gradcam-human.png").is_file()
    message = refused(capsys, "explain", str(big), "--checkpoint", str(trained))
    assert message == "pixelpatchwork detector explain: big-gradcam-ai.png already exists; choose another --out, remove it or add --force"
    cli.main(["detector", "explain", str(big), "--checkpoint", str(trained), "--force"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big-gradcam-ai.png", "big-gradcam-human.png", "big.png"]


# --- refusals: one line, exit 2, nothing written ---------------------------------------


def test_train_refusals(needs_torch: None, folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ai, human = str(folders["ai"]), str(folders["human"])
    out = tmp_path / "never.pt"
    empty = tmp_path / "empty"
    empty.mkdir()
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "readme.txt").write_text("no pictures here")
    (texts / "fake.png").write_text("not a png")
    lonely = tmp_path / "lonely"
    detector_images.saturation_set(lonely, 1, saturated=False, size=SIZE)
    cases = {
        ("--ai", ai): "training needs both classes: give at least one --ai DIR and one --human DIR",
        ("--ai", ai, "--human", str(empty)): f"the human folder {empty} is empty",
        ("--ai", ai, "--human", str(texts)): f"the human folder {texts} has no readable image (2 files, none usable)",
        ("--ai", ai, "--human", str(tmp_path / "nowhere")): f"there is no folder {tmp_path / 'nowhere'}",
        ("--ai", ai, "--human", ai): f"{ai} is given more than once (a folder is one source of one class)",
        ("--ai", ai, "--human", str(lonely)): "training needs at least 2 readable human images (found 1): "
        "give at least one --ai and one --human folder",
        ("--ai", ai, "--human", human, "--val", "1.5"): "the held-out share must be between 0 and 1, not 1.5",
        ("--ai", ai, "--human", human, "--size", "8"): "the input size must be between 16 and 1024 pixels, not 8",
    }
    for args, message in cases.items():
        assert refused(capsys, "train", *args, "--out", str(out), "--epochs", "1") == f"pixelpatchwork detector train: {message}"
    taken = tmp_path / "taken.pt"
    taken.write_bytes(b"mine")
    assert refused(capsys, "train", "--ai", ai, "--human", human, "--out", str(taken)) == (
        f"pixelpatchwork detector train: {taken} already exists; choose another --out, remove it or add --force"
    )
    assert taken.read_bytes() == b"mine"
    assert refused(capsys, "train", "--ai", ai, "--human", human, "--out", str(tmp_path / "no" / "x.pt")) == (
        f"pixelpatchwork detector train: the folder {tmp_path / 'no'} does not exist"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "lonely", "taken.pt", "texts"]


def test_train_reports_skipped_files(needs_torch: None, folders: dict[str, Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    human = detector_images.saturation_set(tmp_path / "human", 30, saturated=False, size=SIZE)
    (human / "notes.txt").write_text("x")
    (human / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    cli.main(["detector", "train", "--ai", str(folders["other_ai"]), "--human", str(human), "--out", str(tmp_path / "d.pt"),
              "--size", "16", "--epochs", "1", "--threads", "1"])
    captured = capsys.readouterr()
    assert "2 files skipped (1 not images, 1 unreadable):" in captured.err
    assert f"{human / 'notes.txt'}: not an image (suffix .txt)" in captured.err
    assert f"{human / 'broken.jpg'}: unreadable (" in captured.err
    assert "(15 ai, 30 human in 2 source folders)" in captured.out and (tmp_path / "d.pt").is_file()


def test_eval_and_explain_refusals(trained: Path, folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ai = str(folders["ai"])
    out = tmp_path / "report"
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(trained.read_bytes()[:500])
    assert refused(capsys, "eval", "--checkpoint", str(tmp_path / "none.pt"), "--ai", ai, "--out", str(out)) == (
        f"pixelpatchwork detector eval: there is no checkpoint at {tmp_path / 'none.pt'}"
    )
    assert refused(capsys, "eval", "--checkpoint", str(corrupt), "--ai", ai, "--out", str(out)).startswith(
        f"pixelpatchwork detector eval: {corrupt} is not a detector checkpoint (it could not be read: "
    )
    assert refused(capsys, "eval", "--checkpoint", str(trained), "--out", str(out)) == (
        "pixelpatchwork detector eval: give at least one --ai DIR or --human DIR to evaluate on (both classes for ROC AUC)"
    )
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    assert refused(capsys, "eval", "--checkpoint", str(trained), "--ai", ai, "--out", str(busy)) == (
        f"pixelpatchwork detector eval: {busy} exists and is not an empty folder; choose another --out or remove it"
    )
    assert refused(capsys, "eval", "--checkpoint", str(trained), "--ai", str(tmp_path / "busy"), "--out", str(out)) == (
        f"pixelpatchwork detector eval: the ai folder {busy} has no readable image (1 file, none usable)"
    )
    image = folders["ai"] / "000.png"
    assert refused(capsys, "explain", str(tmp_path / "none.png"), "--checkpoint", str(trained)) == (
        f"pixelpatchwork detector explain: there is no image file {tmp_path / 'none.png'}"
    )
    assert refused(capsys, "explain", str(busy / "keep.txt"), "--checkpoint", str(trained)) == (
        f"pixelpatchwork detector explain: {busy / 'keep.txt'}: unreadable (not an image file Pillow can open)"
    )
    assert "is not a detector checkpoint" in refused(capsys, "explain", str(image), "--checkpoint", str(corrupt),
                                                     "--out", str(tmp_path / "x.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "corrupt.pt"]
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]


# --- without PyTorch ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [["train", "--ai", "a", "--human", "h"], ["eval", "--ai", "a"], ["explain", "x.png"], ["score", "study"]])
def test_without_torch_the_commands_say_how_to_install_it(command: list[str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    monkeypatch.chdir(tmp_path)
    assert refused(capsys, *command) == INSTALL_LINE
    assert list(tmp_path.iterdir()) == []


def test_the_core_imports_without_torch(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "import pixelpatchwork.app, pixelpatchwork.cli, pixelpatchwork.detector.cli, pixelpatchwork.detector.data\n"
        "assert 'torch' not in sys.modules, 'the core imported torch'\n"
        "sys.modules['torch'] = None\n"
        "from pixelpatchwork.cli import main\n"
        "main(['detector', 'train', '--ai', 'a', '--human', 'h'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == INSTALL_LINE and done.stdout == ""
