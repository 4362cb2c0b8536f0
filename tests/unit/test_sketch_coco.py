"""Sketch label maps as COCO: exact round trips through pycocotools, categories from the palette."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pixelpatchwork.domain.errors import DomainError
from pixelpatchwork.sketch import coco, raster
from pixelpatchwork.sketch.labels import load_labels
from pixelpatchwork.sketch.raster import Stroke
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

LABELS = load_labels()
PARK = LABELS.palette("park")
SKY, GRASS, TREE, WATER, PATH = 157, 124, 169, 178, 140


def _park_map() -> np.ndarray:
    """Sky above grass; a lake with an island (a hole) in the grass; two separate trees;
    single pixels of path at the corners."""
    label_map = raster.new_map()
    label_map[:150] = SKY
    label_map[150:] = GRASS
    label_map[200:300, 100:300] = WATER
    label_map[230:260, 150:200] = GRASS
    label_map[160:190, 20:40] = TREE
    label_map[160:200, 400:430] = TREE
    label_map[0, 0] = PATH
    label_map[-1, -1] = PATH
    label_map[100:110, 450:460] = 0
    return label_map


def _write(tmp_path: Path, sketches: list[coco.SketchImage], palette=PARK) -> tuple[dict, COCO]:  # type: ignore[no-untyped-def]
    dataset = coco.write_dataset(tmp_path / "set", sketches, palette)
    return dataset, COCO(str(tmp_path / "set" / "annotations.json"))


def test_one_annotation_per_label_and_an_exact_round_trip(tmp_path: Path) -> None:
    label_map = _park_map()
    dataset, loaded = _write(tmp_path, [coco.SketchImage("park", label_map)])
    anns = loaded.loadAnns(loaded.getAnnIds(imgIds=[1]))
    assert [a["category_id"] for a in anns] == [GRASS, PATH, SKY, TREE, WATER]  # by label id
    for ann in anns:
        expected = label_map == ann["category_id"]
        assert np.array_equal(loaded.annToMask(ann).astype(bool), expected), ann["category_id"]
        assert ann["area"] == int(expected.sum()) and ann["iscrowd"] == 0
        rows, cols = np.nonzero(expected)
        assert ann["bbox"] == [cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1]
        assert isinstance(ann["segmentation"]["counts"], str)
    path_ann = next(a for a in anns if a["category_id"] == PATH)
    assert path_ann["area"] == 2 and path_ann["bbox"] == [0.0, 0.0, 512.0, 384.0]
    on_disk = json.loads((tmp_path / "set" / "annotations.json").read_text())
    assert on_disk == dataset
    assert np.array_equal(coco.label_map_from_coco(on_disk, 1), label_map)
    assert np.array_equal(coco.read_label_png(tmp_path / "set" / "labels" / "park.png"), label_map)
    image = loaded.loadImgs(1)[0]
    assert (image["width"], image["height"], image["file_name"]) == (512, 384, "labels/park.png")


def test_categories_are_the_palette(tmp_path: Path) -> None:
    dataset, loaded = _write(tmp_path, [coco.SketchImage("a", _park_map())])
    assert [c["id"] for c in dataset["categories"]] == sorted(PARK.ids)
    sky = loaded.loadCats(SKY)[0]
    assert (sky["name"], sky["supercategory"], sky["color"]) == ("sky-other", "sky", [0x8F, 0xD3, 0xFF])
    assert dataset["info"]["palette"] == "park"
    beach = coco.sketches_to_coco([coco.SketchImage("b", np.full((4, 4), 155, np.uint8))], LABELS.palette("beach"))
    assert {c["name"] for c in beach["categories"]} >= {"sea", "sand", "umbrella"}
    assert 124 not in {c["id"] for c in beach["categories"]}


def test_a_label_outside_the_palette_is_refused() -> None:
    label_map = _park_map()
    label_map[5, 5] = 155  # sea: in the beach palette, not the park one
    with pytest.raises(DomainError) as refused:
        coco.sketches_to_coco([coco.SketchImage("x", label_map)], PARK)
    assert refused.value.code == "sketch_unknown_label" and "155" in refused.value.message


def test_rasterized_sketches_round_trip(tmp_path: Path) -> None:
    """Many ragged regions: the map of the random vector case, and an empty sketch."""
    vectors = json.loads((Path(__file__).resolve().parents[2] / "shared" / "sketch-vectors.json").read_text())
    case = next(c for c in vectors["cases"] if c["name"].startswith("60 random"))
    strokes = [Stroke(s["tool"], s["label"], s["size"], tuple(map(tuple, s["points"]))) for s in case["strokes"]]
    ragged = raster.render(strokes)
    empty = raster.new_map()
    dataset, loaded = _write(tmp_path, [coco.SketchImage("ragged", ragged), coco.SketchImage("empty", empty)],
                             LABELS.palette("all"))
    assert [img["id"] for img in dataset["images"]] == [1, 2]
    assert len({a["id"] for a in dataset["annotations"]}) == len(dataset["annotations"])
    assert loaded.getAnnIds(imgIds=[2]) == []
    assert np.array_equal(coco.label_map_from_coco(dataset, 1), ragged)
    assert np.array_equal(coco.label_map_from_coco(dataset, 2), empty)
    for ann in loaded.loadAnns(loaded.getAnnIds(imgIds=[1])):
        assert int(mask_utils.area(loaded.annToRLE(ann))) == int((ragged == ann["category_id"]).sum())


def test_the_label_png_shows_the_palette_colours(tmp_path: Path) -> None:
    coco.write_dataset(tmp_path / "set", [coco.SketchImage("park", _park_map())], PARK)
    with Image.open(tmp_path / "set" / "labels" / "park.png") as image:
        assert image.mode == "P"
        rgb = image.convert("RGB")
        assert rgb.getpixel((10, 10)) == (0x8F, 0xD3, 0xFF)  # sky
        assert rgb.getpixel((10, 300)) == (0x4C, 0xAF, 0x50)  # grass
        assert rgb.getpixel((455, 105)) == (0, 0, 0)  # unlabelled


def test_a_picture_twice_the_size_gets_scaled_annotations(tmp_path: Path) -> None:
    label_map = _park_map()
    picture = Image.new("RGB", (1024, 768), (10, 20, 30))
    dataset, loaded = _write(tmp_path, [coco.SketchImage("park", label_map, picture)])
    image = loaded.loadImgs(1)[0]
    assert (image["width"], image["height"], image["file_name"], image["sketch_scale"]) == (
        1024, 768, "images/park.png", 2,
    )
    decoded = coco.label_map_from_coco(dataset, 1)
    assert decoded.shape == (768, 1024) and np.array_equal(decoded[::2, ::2], label_map)
    assert np.array_equal(decoded[1::2, 1::2], label_map)
    with Image.open(tmp_path / "set" / "images" / "park.png") as written:
        assert written.size == (1024, 768)
    with pytest.raises(ValueError, match="whole number"):
        coco.sketches_to_coco([coco.SketchImage("odd", label_map, Image.new("RGB", (1000, 768)))], PARK)


def test_refusals(tmp_path: Path) -> None:
    label_map = _park_map()
    coco.write_dataset(tmp_path / "set", [coco.SketchImage("a", label_map)], PARK)
    with pytest.raises(FileExistsError):
        coco.write_dataset(tmp_path / "set", [coco.SketchImage("a", label_map)], PARK)
    with pytest.raises(ValueError, match="file name"):
        coco.sketches_to_coco([coco.SketchImage("../evil", label_map)], PARK)
    dataset = coco.sketches_to_coco([coco.SketchImage("a", label_map)], PARK)
    dataset["annotations"][1]["segmentation"] = dataset["annotations"][0]["segmentation"]
    with pytest.raises(ValueError, match="overlaps"):
        coco.label_map_from_coco(dataset, 1)
    with pytest.raises(ValueError, match="no image"):
        coco.label_map_from_coco(dataset, 9)


def test_polygons_and_plain_rle_decode_too() -> None:
    dataset = {
        "images": [{"id": 1, "width": 10, "height": 8}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": GRASS, "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]},
            {"id": 2, "image_id": 1, "category_id": SKY, "segmentation": {"size": [8, 10], "counts": [56, 2, 22]}},
        ],
    }
    label_map = coco.label_map_from_coco(dataset, 1)
    assert int((label_map == GRASS).sum()) > 0 and label_map[0, 0] == GRASS
    assert int((label_map == SKY).sum()) == 2 and label_map[0, 7] == SKY and label_map[1, 7] == SKY
