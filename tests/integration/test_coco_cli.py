"""`pixelpatchwork coco from-labelme`, run as a command: the file, the report and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pycocotools.coco import COCO


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixelpatchwork.cli", "coco", "from-labelme", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )


def labelme_file(folder: Path, name: str, shapes: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({
        "version": "5.5.0", "flags": {}, "shapes": shapes, "imagePath": name.replace(".json", ".jpg"),
        "imageData": None, "imageHeight": 60, "imageWidth": 80,
    }))


def polygon(label: str, shape_type: str = "polygon") -> dict[str, Any]:
    points = [[5, 5], [40, 5], [40, 30]] if shape_type == "polygon" else [[5, 5], [40, 30]]
    return {"label": label, "points": points, "group_id": None, "shape_type": shape_type, "flags": {}}


@pytest.fixture
def annotated(tmp_path: Path) -> Path:
    folder = tmp_path / "walk"
    labelme_file(folder, "one.json", [polygon("sky"), polygon("Grass", "rectangle")])
    labelme_file(folder, "two.json", [polygon("tree")])
    return folder


def test_everything_converts(annotated: Path, tmp_path: Path) -> None:
    done = run(tmp_path, str(annotated))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "walk-coco.json"
    assert "converted 2 of 2 labelme files (3 of 3 shapes) into 2 images and 3 annotations with palette 'park'" in done.stdout
    assert str(out.name) in done.stdout
    coco = COCO(str(out))
    assert len(coco.getImgIds()) == 2 and len(coco.getAnnIds()) == 3
    assert {c["name"] for c in coco.loadCats(coco.getCatIds())} >= {"sky-other", "grass", "tree"}


def test_some_shapes_could_not_be_converted(annotated: Path, tmp_path: Path) -> None:
    labelme_file(annotated, "three.json", [polygon("fence", "line"), polygon("spaceship"), polygon("sea")])
    (annotated / "four.json").write_text("{not json")
    done = run(tmp_path, str(annotated), "--out", "walk.json")
    assert done.returncode == 1, done.stderr
    assert "converted 3 of 4 labelme files (3 of 6 shapes)" in done.stdout
    assert "4 shapes or files could not be converted:" in done.stdout
    assert "three.json shape 0 (line 'fence'): a line marks no area" in done.stdout
    assert "three.json shape 1 (polygon 'spaceship'): unknown label 'spaceship'" in done.stdout
    assert "three.json shape 2 (polygon 'sea'): label 'sea' is not in palette 'park' (it is in beach)" in done.stdout
    assert "four.json: not valid JSON" in done.stdout
    assert "labels of palette 'park': sky-other, clouds, grass" in done.stdout
    written = json.loads((tmp_path / "walk.json").read_text())
    assert len(written["images"]) == 3 and len(written["annotations"]) == 3

    beach = run(tmp_path, str(annotated), "--out", "beach.json", "--palette", "beach")
    assert beach.returncode == 1
    assert "three.json shape 2" not in beach.stdout and "palette 'beach'" in beach.stdout


def test_unusable_input_exits_2_and_writes_nothing(annotated: Path, tmp_path: Path) -> None:
    missing = run(tmp_path, str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(tmp_path, str(empty)).returncode == 2
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.json").write_text("[]")
    refused = run(tmp_path, str(broken))
    assert refused.returncode == 2 and "nothing written" in refused.stderr and "a.json: not a labelme file" in refused.stderr
    palette = run(tmp_path, str(annotated), "--palette", "moon")
    assert palette.returncode == 2 and "there is no palette called 'moon'; palettes: park, beach" in palette.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "empty", "walk"]

    (tmp_path / "taken.json").write_text("mine")
    taken = run(tmp_path, str(annotated), "--out", "taken.json")
    assert taken.returncode == 2 and "already exists" in taken.stderr
    assert (tmp_path / "taken.json").read_text() == "mine"
    forced = run(tmp_path, str(annotated), "--out", "taken.json", "--force")
    assert forced.returncode == 0 and json.loads((tmp_path / "taken.json").read_text())["annotations"]
