"""labelme files into COCO: every shape type, merged groups, and every problem reported."""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pixelpatchwork.sketch import labelme
from pixelpatchwork.sketch.labels import load_labels
from pycocotools.coco import COCO

LABELS = load_labels()
PARK = LABELS.palette("park")
SKY, GRASS, TREE, WATER, PERSON = 157, 124, 169, 178, 1


def shape(label: str, shape_type: str, points: list[list[float]], **extra: Any) -> dict[str, Any]:
    """A shape as labelme 5 writes it."""
    return {"label": label, "points": points, "group_id": None, "description": "", "shape_type": shape_type,
            "flags": {}, "mask": None, **extra}


def mask_b64(mask: np.ndarray) -> str:
    """A boolean mask as labelme 5 stores it: a base64 PNG of 0/1 bytes."""
    buffer = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write(folder: Path, name: str, shapes: list[Any], width: int = 100, height: int = 80, **extra: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    document = {"version": "5.5.0", "flags": {}, "shapes": shapes, "imagePath": f"{Path(name).stem}.jpg",
                "imageData": None, "imageHeight": height, "imageWidth": width, **extra}
    path.write_text(json.dumps(document))
    return path


def loaded(tmp_path: Path, result: labelme.Conversion) -> COCO:
    out = tmp_path / "out.json"
    out.write_text(json.dumps(result.coco))
    return COCO(str(out))


def test_every_area_shape_converts(tmp_path: Path) -> None:
    blob = np.zeros((11, 21), dtype=bool)
    blob[2:9, 3:18] = True
    blob[4:6, 8:12] = False  # a hole
    write(tmp_path / "in", "a.json", [
        shape("sky", "polygon", [[0, 0], [100, 0], [100, 20], [0, 20]]),
        shape("Grass", "rectangle", [[30, 40], [10, 20]]),
        shape("tree", "circle", [[50, 50], [50, 40]]),
        shape("water_other", "mask", [[60, 60], [80, 70]], mask=mask_b64(blob)),
    ])
    result = labelme.convert_folder(tmp_path / "in", PARK)
    assert result.complete and result.problems == []
    assert (result.files, result.images, result.shapes, result.converted, result.annotations) == (1, 1, 4, 4, 4)
    coco = loaded(tmp_path, result)
    image = coco.loadImgs(1)[0]
    assert (image["width"], image["height"], image["file_name"], image["labelme_file"]) == (100, 80, "a.jpg", "a.json")
    by_category = {ann["category_id"]: ann for ann in coco.loadAnns(coco.getAnnIds())}
    assert set(by_category) == {SKY, GRASS, TREE, WATER}

    sky = by_category[SKY]
    assert sky["segmentation"] == [[0, 0, 100, 0, 100, 20, 0, 20]] and sky["area"] == 2000
    rectangle = by_category[GRASS]
    assert rectangle["segmentation"] == [[10, 20, 30, 20, 30, 40, 10, 40]]
    assert rectangle["area"] == 400 and rectangle["bbox"] == [10.0, 20.0, 20.0, 20.0]

    disc = coco.annToMask(by_category[TREE]).astype(bool)
    assert abs(int(disc.sum()) - math.pi * 100) < 0.12 * math.pi * 100
    assert disc[50, 50] and disc[50, 59] and not disc[50, 62] and not disc[38, 50]
    around = disc[30:71, 30:71]
    assert np.array_equal(around, around[::-1, ::-1]) and np.array_equal(around, around.T)

    placed = np.zeros((80, 100), dtype=bool)
    placed[60:71, 60:81] = blob
    assert np.array_equal(coco.annToMask(by_category[WATER]).astype(bool), placed)
    assert by_category[WATER]["area"] == int(blob.sum())
    assert all(ann["iscrowd"] == 0 for ann in by_category.values())
    assert [c["id"] for c in result.coco["categories"]] == sorted(PARK.ids)


def test_shapes_of_one_group_become_one_annotation(tmp_path: Path) -> None:
    blob = np.ones((5, 5), dtype=bool)
    write(tmp_path / "in", "g.json", [
        shape("tree", "polygon", [[0, 0], [10, 0], [10, 10]], group_id=1),
        shape("tree", "rectangle", [[20, 20], [30, 30]], group_id=1),
        shape("tree", "polygon", [[50, 0], [60, 0], [60, 10]]),
        shape("grass", "rectangle", [[0, 40], [10, 50]], group_id=2),
        shape("grass", "mask", [[40, 40], [44, 44]], group_id=2, mask=mask_b64(blob)),
    ])
    result = labelme.convert_folder(tmp_path / "in", PARK)
    assert result.complete
    anns = result.coco["annotations"]
    assert len(anns) == 3
    tree_group = next(a for a in anns if a["labelme"]["group_id"] == 1)
    assert len(tree_group["segmentation"]) == 2 and tree_group["labelme"]["shapes"] == [0, 1]
    mixed = next(a for a in anns if a["labelme"]["group_id"] == 2)
    assert isinstance(mixed["segmentation"], dict) and mixed["area"] == 100 + 25
    coco = loaded(tmp_path, result)
    assert int(coco.annToMask(mixed).sum()) == 125


def test_what_cannot_be_converted_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder, "b.json", [
        shape("grass", "rectangle", [[0, 0], [10, 10]]),
        shape("fence", "line", [[0, 0], [10, 10]]),
        shape("fence", "linestrip", [[0, 0], [10, 10], [20, 0]]),
        shape("bird", "point", [[5, 5]]),
        shape("unicorn", "polygon", [[0, 0], [10, 0], [10, 10]]),
        shape("Ocean", "polygon", [[0, 0], [10, 0], [10, 10]]),
        shape("grass", "polygon", [[0, 0], [101, 0], [10, 10]]),
        shape("grass", "polygon", [[0, 0], [10, 0]]),
        shape("grass", "polygon", [[0, 0], [1, 1]] * 6000),
        shape("grass", "polygon", [[0, 0], ["a", 0], [1, 1]]),
        shape("grass", "polygon", [[0, 0], [10, 0], [20, 0]]),
        shape("grass", "mask", [[0, 0], [9, 9]], mask=mask_b64(np.ones((4, 4), bool))),
        shape("grass", "mask", [[0, 0], [9, 9]], mask="not base64!"),
        shape("grass", "mask", [[0, 0], [9, 9]]),
        shape("grass", "circle", [[5, 5], [5, 5]]),
        shape("grass", "hexagon", [[0, 0]]),
        shape("", "polygon", [[0, 0], [10, 0], [10, 10]]),
        "not a shape",
    ])
    result = labelme.convert_folder(folder, PARK)
    assert not result.complete
    assert (result.shapes, result.converted, result.annotations) == (18, 1, 1)
    reasons = {problem.shape: problem.reason for problem in result.problems}
    assert set(reasons) == set(range(1, 18))
    assert all(problem.file == "b.json" for problem in result.problems)
    expected = {
        1: "a line marks no area",
        2: "a linestrip marks no area",
        3: "a point marks no area",
        4: "unknown label 'unicorn'",
        5: "label 'Ocean' (sea) is not in palette 'park' (it is in beach)",
        6: "points[1] = [101, 0] lies outside the 100x80 image",
        7: "at least 3 points",
        8: "12000 points; at most 10000",
        9: "points[1] is not an [x, y] pair",
        10: "covers no pixel",
        11: "the mask is 4x4 but its box is 10x10",
        12: "not valid base64",
        13: "needs its 'mask'",
        14: "radius 0",
        15: "unknown shape_type 'hexagon'",
        16: "no label",
        17: "not a shape object",
    }
    for index, words in expected.items():
        assert words in reasons[index], (index, reasons[index])
    line = next(p for p in result.problems if p.shape == 1)
    assert str(line).startswith("b.json shape 1 (line 'fence'): a line marks no area")
    assert line.as_dict()["label"] == "fence"
    loaded(tmp_path, result)  # what was converted still loads


def test_broken_files_are_reported_and_the_rest_converted(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder, "good.json", [shape("sky", "rectangle", [[0, 0], [100, 10]])])
    (folder / "broken.json").write_text('{"shapes": [')
    (folder / "list.json").write_text("[1, 2]")
    (folder / "nan.json").write_text('{"shapes": [], "imageWidth": NaN, "imageHeight": 5}')
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    write(folder, "nosize.json", [], width=None, height=None)  # type: ignore[arg-type]
    write(folder, "huge.json", [], width=100_000, height=100_000)
    (folder / "notes.txt").write_text("not read")
    result = labelme.convert_folder(folder, PARK)
    assert (result.files, result.images, result.annotations) == (7, 1, 1)
    by_file = {problem.file: problem for problem in result.problems}
    assert set(by_file) == {"broken.json", "list.json", "nan.json", "binary.json", "nosize.json", "huge.json"}
    assert all(problem.shape is None for problem in result.problems)
    assert "not valid JSON" in by_file["broken.json"].reason
    assert "no 'shapes' list" in by_file["list.json"].reason
    assert "NaN" in by_file["nan.json"].reason
    assert by_file["binary.json"].reason.startswith("not UTF-8 text")
    assert "imageWidth and imageHeight" in by_file["nosize.json"].reason
    assert "1 to 16777216 pixels" in by_file["huge.json"].reason
    assert str(by_file["broken.json"]).startswith("broken.json: not valid JSON")
    assert loaded(tmp_path, result).loadImgs(1)[0]["labelme_file"] == "good.json"


def test_names_match_loosely_and_the_palette_decides(tmp_path: Path) -> None:
    write(tmp_path / "in", "c.json", [
        shape("SKY", "rectangle", [[0, 0], [10, 10]]),
        shape("Trees", "rectangle", [[0, 0], [10, 10]]),
        shape("pond", "rectangle", [[0, 0], [10, 10]]),
        shape("People", "rectangle", [[0, 0], [10, 10]]),
        shape("sea", "rectangle", [[0, 0], [10, 10]]),
    ])
    park = labelme.convert_folder(tmp_path / "in", PARK)
    assert [a["category_id"] for a in park.coco["annotations"]] == [SKY, TREE, WATER, PERSON]
    assert [p.shape for p in park.problems] == [4]
    everything = labelme.convert_folder(tmp_path / "in", LABELS.palette("all"))
    assert everything.complete and everything.annotations == 5
    assert len(everything.coco["categories"]) == len(LABELS.labels)


def test_unusable_input_raises(tmp_path: Path) -> None:
    with pytest.raises(labelme.LabelmeInputError, match="not a folder"):
        labelme.convert_folder(tmp_path / "missing", PARK)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.png").write_bytes(b"")
    with pytest.raises(labelme.LabelmeInputError, match="no labelme .json files"):
        labelme.convert_folder(tmp_path / "empty", PARK)
