"""The sketch label palette, the stroke checks and the rasterizer (against its specification,
brute-force references and the vectors the TypeScript client is tested with)."""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import deque
from typing import Any

import numpy as np
import pytest
from pixelpatchwork.domain.errors import DomainError
from pixelpatchwork.sketch import raster
from pixelpatchwork.sketch.labels import (
    LABELS_PATH,
    LabelsError,
    load_labels,
    normalize_name,
    parse_labels,
)
from pixelpatchwork.sketch.raster import Stroke
from pixelpatchwork.sketch.validate import parse_stroke

from tests import sketch_vectors


def _coco_stuff_names() -> dict[int, str]:
    """id -> name of COCO-Stuff 2017 (things 1-90 with gaps, stuff 92-182), spelled out here so
    that a wrong id in labels.json fails."""
    things = [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", None, "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", None, "backpack", "umbrella", None, None, "handbag", "tie",
        "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
        "skateboard", "surfboard", "tennis racket", "bottle", None, "wine glass", "cup", "fork", "knife", "spoon",
        "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake",
        "chair", "couch", "potted plant", "bed", None, "dining table", None, None, "toilet", None, "tv", "laptop",
        "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", None,
        "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush", None,
    ]
    stuff = [
        "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage", "cardboard", "carpet",
        "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds", "counter", "cupboard", "curtain",
        "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble", "floor-other", "floor-stone", "floor-tile",
        "floor-wood", "flower", "fog", "food-other", "fruit", "furniture-other", "grass", "gravel", "ground-other",
        "hill", "house", "leaves", "light", "mat", "metal", "mirror-stuff", "moss", "mountain", "mud", "napkin",
        "net", "paper", "pavement", "pillow", "plant-other", "plastic", "platform", "playingfield", "railing",
        "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand", "sea", "shelf", "sky-other",
        "skyscraper", "snow", "solid-other", "stairs", "stone", "straw", "structural-other", "table", "tent",
        "textile-other", "towel", "tree", "vegetable", "wall-brick", "wall-concrete", "wall-other", "wall-panel",
        "wall-stone", "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind", "window-other", "wood"
    ]
    assert len(things) == 91 and len(stuff) == 91
    names = {i: name for i, name in enumerate(things, start=1) if name}
    names.update(enumerate(stuff, start=92))
    return names


LABELS = load_labels()
ALL = LABELS.palette("all")
W, H = raster.WIDTH, raster.HEIGHT


# --- labels and palettes -------------------------------------------------------------------


def test_labels_use_the_coco_stuff_ids_and_names() -> None:
    official = _coco_stuff_names()
    assert (official[157], official[124], official[169], official[145], official[178]) == (
        "sky-other", "grass", "tree", "playingfield", "water-other",
    )
    for label in LABELS.labels:
        if label.id <= 182:
            assert official.get(label.id) == label.name, f"label {label.id} is {official.get(label.id)!r} in COCO-Stuff"
        else:
            assert label.id >= 201 and label.custom
            assert normalize_name(label.name) not in {normalize_name(n) for n in official.values()}, label.name


def test_palettes_and_the_default() -> None:
    assert LABELS.default_palette == "park"
    park = LABELS.palette()
    assert park.name == "park" and 157 in park and 124 in park and 0 not in park
    assert {"park", "beach", "playground"} <= set(LABELS.palette_names())
    assert LABELS.palette("playground").find("playground equipment").id == 201  # type: ignore[union-attr]
    assert len(ALL.labels) == len(LABELS.labels)
    with pytest.raises(DomainError) as unknown:
        LABELS.palette("moon")
    assert unknown.value.code == "sketch_unknown_palette" and "park" in unknown.value.message


def test_names_are_matched_loosely_and_by_alias() -> None:
    for name in ("sky-other", "Sky Other", "SKY_OTHER", " sky ", "Sky"):
        assert ALL.find(name).id == 157, name  # type: ignore[union-attr]
    assert ALL.find("Trees").id == 169  # type: ignore[union-attr]
    assert ALL.find("pond").id == 178  # type: ignore[union-attr]
    assert ALL.find("unicorn") is None
    assert LABELS.palette("beach").find("road") is None


def _lab(color: str) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_colours_are_distinct() -> None:
    """CIE76 colour difference: at least 12 between any two labels, 20 within a palette."""
    colors = {label.id: label.color for label in LABELS.labels}
    for a, b in itertools.combinations(LABELS.labels, 2):
        assert math.dist(_lab(a.color), _lab(b.color)) >= 12, (a.name, b.name)
    for name in LABELS.palette_names():
        for a, b in itertools.combinations(LABELS.palette(name).labels, 2):
            assert math.dist(_lab(colors[a.id]), _lab(colors[b.id])) >= 20, (name, a.name, b.name)
    for label in LABELS.labels:
        assert math.dist(_lab(label.color), _lab(LABELS.unlabeled.color)) >= 30, label.name


def _labels_doc() -> dict[str, Any]:
    return json.loads(LABELS_PATH.read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["labels"].append({**d["labels"][0], "name": "twin", "color": "#123456", "aliases": []}), "repeat"),
        (lambda d: d["labels"].append({**d["labels"][0], "id": 190, "name": "x", "color": "#123456", "aliases": []}),
         "reserved"),
        (lambda d: d["labels"][1]["aliases"].append("Sky"), "also a name"),
        (lambda d: d["labels"][1].update(color=d["labels"][0]["color"]), "colour"),
        (lambda d: d["labels"][1].update(color="red"), "pattern"),
        (lambda d: d["palettes"][0]["labels"].append(77), "unknown label ids"),
        (lambda d: d.update(default_palette="moon"), "default_palette"),
        (lambda d: d["palettes"].append({"name": "all", "title": "All", "labels": [1]}), "reserved"),
        (lambda d: d.update(surprise=1), "surprise"),
    ],
)
def test_a_broken_labels_file_is_refused(change: Any, message: str) -> None:
    doc = _labels_doc()
    change(doc)
    with pytest.raises(LabelsError, match=message):
        parse_labels(doc)


# --- the rasterizer --------------------------------------------------------------------------


def test_discs_follow_the_formula() -> None:
    assert [len(raster.disc_offsets(d)) for d in range(1, 6)] == [1, 4, 9, 12, 21]
    assert sorted(raster.disc_offsets(2)) == [(-1, -1), (-1, 0), (0, -1), (0, 0)]
    for d in range(1, raster.MAX_BRUSH + 1):
        o = 1 - d % 2
        expected = {
            (dx, dy)
            for dx in range(-(d // 2), (d - 1) // 2 + 1)
            for dy in range(-(d // 2), (d - 1) // 2 + 1)
            if (2 * dx + o) ** 2 + (2 * dy + o) ** 2 <= d * d
        }
        assert set(raster.disc_offsets(d)) == expected, d
    assert abs(len(raster.disc_offsets(64)) - math.pi * 32 * 32) < 0.02 * math.pi * 32 * 32


def test_segments_include_both_ends_and_step_to_neighbours() -> None:
    rng = random.Random(3)
    for _ in range(300):
        x0, y0, x1, y1 = (rng.randint(-50, 50) for _ in range(4))
        points = raster.segment_points(x0, y0, x1, y1)
        assert points[0] == (x0, y0) and points[-1] == (x1, y1)
        assert len(points) == max(abs(x1 - x0), abs(y1 - y0)) + 1
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            assert max(abs(ax - bx), abs(ay - by)) == 1
    assert raster.segment_points(0, 0, 2, 1) == [(0, 0), (1, 1), (2, 1)]  # halves round up
    assert raster.segment_points(0, 0, 2, -1) == [(0, 0), (1, 0), (2, -1)]
    assert raster.segment_points(0, 0, 4, 0) == [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)]
    xs, ys = raster.stroke_centres([(0, 0), (2, 1), (2, 3)])
    assert list(zip(xs.tolist(), ys.tolist(), strict=True)) == [(0, 0), (1, 1), (2, 1), (2, 1), (2, 2), (2, 3)]


def _reference(label_map: np.ndarray, stroke: Stroke) -> None:
    """The specification, literally: discs stamped at every centre; fills by breadth-first search."""
    height, width = label_map.shape
    if stroke.tool == "fill":
        [(x, y)] = stroke.points
        target = label_map[y, x]
        if target == stroke.label:
            return
        queue = deque([(x, y)])
        label_map[y, x] = stroke.label
        while queue:
            px, py = queue.popleft()
            for nx, ny in ((px - 1, py), (px + 1, py), (px, py - 1), (px, py + 1)):
                if 0 <= nx < width and 0 <= ny < height and label_map[ny, nx] == target:
                    label_map[ny, nx] = stroke.label
                    queue.append((nx, ny))
        return
    centres = {stroke.points[0]} if len(stroke.points) == 1 else set()
    for a, b in itertools.pairwise(stroke.points):
        centres.update(raster.segment_points(*a, *b))
    value = 0 if stroke.tool == "erase" else stroke.label
    for cx, cy in centres:
        for dx, dy in raster.disc_offsets(stroke.size):
            if 0 <= cx + dx < width and 0 <= cy + dy < height:
                label_map[cy + dy, cx + dx] = value


def _random_stroke(rng: random.Random, width: int, height: int) -> Stroke:
    tool = rng.choice(["brush", "brush", "erase", "fill"])
    label = 0 if tool == "erase" else rng.choice([124, 157, 169])
    count = 1 if tool == "fill" else rng.randint(1, 6)
    points = tuple((rng.randrange(width), rng.randrange(height)) for _ in range(count))
    return Stroke(tool, label, rng.randint(1, 24), points)  # type: ignore[arg-type]


def test_strokes_match_the_reference_implementation() -> None:
    rng = random.Random(11)
    for trial in range(250):
        width, height = rng.randint(1, 48), rng.randint(1, 36)
        fast, slow = raster.new_map(width, height), raster.new_map(width, height)
        for step in range(8):
            stroke = _random_stroke(rng, width, height)
            raster.apply_stroke(fast, stroke)
            _reference(slow, stroke)
            assert np.array_equal(fast, slow), (trial, step, stroke)


def test_brush_erase_and_painting_order() -> None:
    label_map = raster.new_map()
    raster.apply_stroke(label_map, Stroke("brush", 124, 10, ((100, 100), (200, 100))))
    raster.apply_stroke(label_map, Stroke("brush", 157, 4, ((150, 90), (150, 110))))
    assert label_map[100, 150] == 157 and label_map[100, 120] == 124 and label_map[50, 50] == 0
    box = raster.apply_stroke(label_map, Stroke("erase", 0, 64, ((150, 100),)))
    assert box == raster.Box(118, 68, 64, 64)
    assert label_map[100, 150] == 0 and label_map[100, 100] == 124
    assert label_map.dtype == np.uint8 and label_map.shape == (H, W)


def test_a_stroke_drawn_in_pieces_gives_the_same_map() -> None:
    """A live stroke is drawn segment by segment; the union of its discs does not depend on that."""
    rng = random.Random(5)
    points = tuple((rng.randrange(W), rng.randrange(H)) for _ in range(30))
    whole = raster.new_map()
    raster.apply_stroke(whole, Stroke("brush", 169, 17, points))
    pieces = raster.new_map()
    for a, b in itertools.pairwise(points):
        raster.apply_stroke(pieces, Stroke("brush", 169, 17, (a, b)))
    assert np.array_equal(whole, pieces)


def test_the_brush_is_clipped_at_the_edges() -> None:
    label_map = raster.new_map()
    raster.apply_stroke(label_map, Stroke("brush", 157, 64, ((0, 0),)))
    inside = [(dx, dy) for dx, dy in raster.disc_offsets(64) if dx >= 0 and dy >= 0]
    assert int((label_map == 157).sum()) == len(inside)
    raster.apply_stroke(label_map, Stroke("brush", 124, 64, ((W - 1, H - 1),)))
    assert label_map[H - 1, W - 1] == 124 and label_map[0, 0] == 157
    with pytest.raises(ValueError):
        raster.apply_stroke(label_map, Stroke("brush", 124, 3, ((W, 0),)))


def test_fill_is_four_connected_and_keeps_holes() -> None:
    label_map = raster.new_map()
    # A one-pixel diagonal line is 8-connected: a 4-connected fill does not pass it.
    raster.apply_stroke(label_map, Stroke("brush", 169, 1, ((0, 100), (100, 0))))
    raster.apply_stroke(label_map, Stroke("fill", 124, 1, ((0, 0),)))
    assert int((label_map == 124).sum()) == sum(range(1, 101))
    assert label_map[100, 100] == 0
    # A ring: filling its inside leaves the ring and the outside alone; filling the outside
    # leaves the hole inside it unlabelled.
    ring = raster.new_map()
    raster.apply_stroke(ring, Stroke("brush", 149, 5, ((200, 100), (300, 100), (300, 200), (200, 200), (200, 100))))
    raster.apply_stroke(ring, Stroke("fill", 157, 1, ((0, 0),)))
    assert ring[150, 250] == 0 and ring[0, W - 1] == 157 and ring[100, 250] == 149
    assert raster.apply_stroke(ring, Stroke("fill", 157, 1, ((5, 5),))) is None
    box = raster.apply_stroke(ring, Stroke("fill", 178, 1, ((250, 150),)))
    assert box is not None and ring[150, 250] == 178 and box.x > 200 and box.x + box.w < 300


def test_rendering_is_deterministic() -> None:
    rng = random.Random(8)
    strokes = [_random_stroke(rng, W, H) for _ in range(40)]
    first, second = raster.render(strokes), raster.render(list(strokes))
    assert raster.digest(first) == raster.digest(second)
    assert sum(count for _, count in raster.runs(first)) == W * H
    assert sum(raster.histogram(first).values()) == W * H


def test_the_largest_stroke_and_a_comb_fill() -> None:
    """The limits at their worst: 2000 points at the largest brush, and a fill through 256 teeth."""
    rng = random.Random(2)
    points = tuple((rng.randrange(W), rng.randrange(H)) for _ in range(raster.MAX_POINTS))
    label_map = raster.new_map()
    raster.apply_stroke(label_map, Stroke("brush", 124, raster.MAX_BRUSH, points))
    assert int((label_map == 124).sum()) > W * H // 2
    comb = raster.new_map()
    comb[1:, ::2] = 5
    raster.apply_stroke(comb, Stroke("fill", 7, 1, ((1, 1),)))
    assert int((comb == 7).sum()) == W + (H - 1) * W // 2 and int((comb == 5).sum()) == (H - 1) * W // 2


# --- the shared vectors ----------------------------------------------------------------------


VECTORS = json.loads(sketch_vectors.PATH.read_text())


def test_the_vector_file_is_what_the_generator_writes() -> None:
    assert sketch_vectors.build() == VECTORS, "run `python -m tests.sketch_vectors` and review the change"
    assert sketch_vectors.PATH.read_text() == sketch_vectors.dumps(VECTORS)
    assert {stroke["tool"] for case in VECTORS["cases"] for stroke in case["strokes"]} == {"brush", "erase", "fill"}


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[case["name"] for case in VECTORS["cases"]])
def test_the_vectors(case: dict[str, Any]) -> None:
    strokes = [Stroke(s["tool"], s["label"], s["size"], tuple(map(tuple, s["points"]))) for s in case["strokes"]]
    label_map = raster.render(strokes, case["width"], case["height"])
    assert {str(k): v for k, v in raster.histogram(label_map).items()} == case["histogram"]
    if case["runs"] is not None:
        assert raster.runs(label_map) == case["runs"]
    assert raster.digest(label_map) == case["sha256"]
    reference = raster.new_map(case["width"], case["height"])
    for stroke in strokes:
        if stroke.size <= 16 or stroke.tool == "fill":
            _reference(reference, stroke)
        else:
            raster.apply_stroke(reference, stroke)
    assert np.array_equal(reference, label_map)


# --- stroke checks ---------------------------------------------------------------------------


PARK = LABELS.palette("park")


def test_a_good_stroke_is_accepted() -> None:
    stroke = parse_stroke({"tool": "brush", "label": 124, "size": 8, "points": [[0, 0], [511, 383]]}, PARK)
    assert stroke == Stroke("brush", 124, 8, ((0, 0), (511, 383)))
    assert parse_stroke({"tool": "erase", "size": 3, "points": [[5, 5]]}, PARK).label == 0
    assert parse_stroke({"tool": "fill", "label": 157, "points": [[5, 5]]}, PARK).points == ((5, 5),)
    assert parse_stroke(stroke.as_dict(), PARK) == stroke


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        ({"tool": "brush", "label": 3, "size": 4, "points": [[1, 1]]}, "sketch_unknown_label", "not in the palette 'park'"),
        ({"tool": "fill", "label": 999, "points": [[1, 1]]}, "sketch_unknown_label", "999"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[512, 0]]}, "sketch_point_outside", "512x384"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[3, 3], [0, -1]]}, "sketch_point_outside", "points[1]"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[1, 1]] * 2001}, "sketch_too_many_points", "2000"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[1.5, 1]]}, "sketch_invalid_stroke", "whole numbers"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[True, 1]]}, "sketch_invalid_stroke", "points[0]"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [["1", 1]]}, "sketch_invalid_stroke", "points[0]"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[1, 1, 1]]}, "sketch_invalid_stroke", "[x, y]"),
        ({"tool": "brush", "label": 124, "size": 4, "points": []}, "sketch_invalid_stroke", "non-empty"),
        ({"tool": "brush", "label": 124, "size": 4, "points": "1,1"}, "sketch_invalid_stroke", "non-empty"),
        ({"tool": "brush", "label": "grass", "size": 4, "points": [[1, 1]]}, "sketch_invalid_stroke", "label"),
        ({"tool": "brush", "label": True, "size": 4, "points": [[1, 1]]}, "sketch_invalid_stroke", "label"),
        ({"tool": "brush", "label": 124, "size": 0, "points": [[1, 1]]}, "sketch_bad_size", "1 to 64"),
        ({"tool": "brush", "label": 124, "size": 65, "points": [[1, 1]]}, "sketch_bad_size", "diameter"),
        ({"tool": "brush", "label": 124, "size": 2.0, "points": [[1, 1]]}, "sketch_bad_size", "whole"),
        ({"tool": "brush", "label": 124, "points": [[1, 1]]}, "sketch_bad_size", "size"),
        ({"tool": "erase", "label": 124, "size": 4, "points": [[1, 1]]}, "sketch_invalid_stroke", "label 0"),
        ({"tool": "fill", "label": 124, "points": [[1, 1], [2, 2]]}, "sketch_invalid_stroke", "exactly one point"),
        ({"tool": "spray", "label": 124, "size": 4, "points": [[1, 1]]}, "sketch_invalid_stroke", "brush, erase, fill"),
        ({"tool": "brush", "label": 124, "size": 4, "points": [[1, 1]], "colour": 1}, "sketch_invalid_stroke", "colour"),
        ([1, 2, 3], "sketch_invalid_stroke", "object"),
    ],
)
def test_bad_strokes_are_refused_with_a_reason(data: Any, code: str, words: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_stroke(data, PARK)
    assert refused.value.code == code and refused.value.status == 422
    assert words in refused.value.message
