"""Writes shared/sketch-vectors.json: strokes and the label map each list of them must give.

Run `.venv/bin/python -m tests.sketch_vectors` after a deliberate change of the rasterizer
(server/pixelpatchwork/sketch/raster.py); tests/unit/test_sketch_raster.py checks the
Python rasterizer against the file and client/test/sketch-raster.test.ts the TypeScript one,
so both reach the same maps pixel for pixel.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from pixelpatchwork.sketch import raster
from pixelpatchwork.sketch.labels import Canvas, load_labels
from pixelpatchwork.sketch.validate import parse_stroke

PATH = Path(__file__).resolve().parents[1] / "shared" / "sketch-vectors.json"
#: Runs are stored when a map has at most this many (they locate a difference); the digest always.
MAX_RUNS = 4000

SKY, GRASS, TREE, WATER, SAND, ROAD, FLOWER, HOUSE = 157, 124, 169, 178, 154, 149, 119, 128


def brush(label: int, size: int, *points: tuple[int, int]) -> dict[str, Any]:
    return {"tool": "brush", "label": label, "size": size, "points": [list(p) for p in points]}


def erase(size: int, *points: tuple[int, int]) -> dict[str, Any]:
    return {"tool": "erase", "label": 0, "size": size, "points": [list(p) for p in points]}


def fill(label: int, point: tuple[int, int]) -> dict[str, Any]:
    return {"tool": "fill", "label": label, "size": 1, "points": [list(point)]}


def _cases() -> list[dict[str, Any]]:
    w, h = raster.WIDTH, raster.HEIGHT
    cases: list[dict[str, Any]] = []

    def case(name: str, strokes: list[dict[str, Any]], width: int = w, height: int = h) -> None:
        cases.append({"name": name, "width": width, "height": height, "strokes": strokes})

    case("dots of every small size and the largest", [
        brush(GRASS, size, (20 + 40 * (size - 1) % 480, 30 + 60 * ((size - 1) // 12))) for size in range(1, 25)
    ] + [brush(SKY, 63, (100, 300)), brush(TREE, 64, (300, 300))])

    directions = [(dx, dy) for dx in range(-3, 4) for dy in range(-3, 4) if (dx, dy) != (0, 0)]
    case("one-pixel lines in every direction, rounding ties included", [
        brush(ROAD, 1, (256, 192), (256 + 50 * dx, 192 + 50 * dy)) for dx, dy in directions
    ] + [brush(FLOWER, 1, (10, 10), (12, 11)), brush(FLOWER, 1, (12, 20), (10, 21)), brush(FLOWER, 1, (10, 30), (11, 28)),
         brush(FLOWER, 1, (20, 10), (19, 12))])

    case("even and odd brushes along lines", [
        brush(WATER, 2, (5, 5), (200, 60)), brush(SAND, 3, (5, 80), (200, 20)), brush(HOUSE, 4, (300, 10), (310, 200)),
        brush(TREE, 7, (400, 200), (300, 100), (480, 40)), brush(GRASS, 10, (50, 370), (60, 250), (200, 260), (50, 370)),
    ])

    case("the largest brush at every edge and corner", [
        brush(SKY, 64, (0, 0)), brush(GRASS, 64, (w - 1, 0)), brush(TREE, 64, (0, h - 1)), brush(WATER, 64, (w - 1, h - 1)),
        brush(SAND, 33, (0, 100), (0, 300)), brush(ROAD, 32, (w - 1, 300), (w - 1, 100)),
        brush(FLOWER, 9, (100, 0), (400, 0)), brush(HOUSE, 8, (400, h - 1), (100, h - 1)),
    ])

    case("later strokes paint over earlier ones; erase clears to 0", [
        brush(SKY, 40, (50, 50), (450, 50)), brush(GRASS, 40, (50, 60), (450, 60)), brush(TREE, 12, (250, 0), (250, 383)),
        erase(20, (100, 55), (400, 55)), erase(1, (0, 0), (511, 383)), brush(SKY, 5, (300, 300)), erase(5, (300, 300)),
    ])

    case("fills: enclosed, outside, holes, diagonal walls, same label", [
        brush(ROAD, 3, (100, 100), (200, 100), (200, 200), (100, 200), (100, 100)),
        fill(GRASS, (150, 150)),
        brush(WATER, 9, (150, 150)),
        brush(TREE, 1, (450, 150), (490, 190), (450, 230), (410, 190), (450, 150)),
        brush(TREE, 1, (300, 50), (380, 130)), brush(TREE, 1, (300, 52), (378, 130)),
        fill(SKY, (0, 0)),
        fill(SKY, (5, 5)),
        fill(HOUSE, (450, 190)),
        fill(FLOWER, (301, 51)),
        fill(FLOWER, (301, 52)),
        brush(SAND, 1, (400, 300), (440, 300), (440, 340), (400, 340), (400, 300)),
        fill(HOUSE, (420, 320)),
        fill(WATER, (420, 320)),
        fill(GRASS, (101, 100)),
        fill(SAND, (150, 150)),
    ])

    rng = random.Random(20240611)
    labels = [SKY, GRASS, TREE, WATER, SAND, ROAD, FLOWER, HOUSE]
    strokes: list[dict[str, Any]] = []
    for _ in range(60):
        roll = rng.random()
        if roll < 0.15:
            strokes.append(fill(rng.choice(labels), (rng.randrange(w), rng.randrange(h))))
            continue
        x, y = rng.randrange(w), rng.randrange(h)
        points = [(x, y)]
        for _ in range(rng.randint(0, 40)):
            x = min(w - 1, max(0, x + rng.randint(-25, 25)))
            y = min(h - 1, max(0, y + rng.randint(-25, 25)))
            points.append((x, y))
        size = rng.randint(1, 64)
        strokes.append(erase(size, *points) if roll < 0.3 else brush(rng.choice(labels), size, *points))
    case("60 random strokes of every tool", strokes)

    long_points = [(int(256 + 200 * ((i * 7919) % 2000) / 2000 - 100), (i * 37) % h) for i in range(2000)]
    case("a stroke with the most points", [brush(GRASS, 5, *long_points), fill(SKY, (0, 0))])

    case("a tiny canvas", [
        brush(GRASS, 2, (0, 0), (6, 4)), brush(SKY, 3, (6, 0)), erase(1, (3, 0), (3, 4)), fill(TREE, (0, 4)),
    ], width=7, height=5)
    return cases


def build() -> dict[str, Any]:
    """The vector file's content: each case's strokes (checked by parse_stroke) and its map."""
    labels = load_labels()
    palette = labels.palette("all")
    out = []
    for case in _cases():
        canvas = Canvas(width=case["width"], height=case["height"], max_points=labels.canvas.max_points,
                        min_brush=labels.canvas.min_brush, max_brush=labels.canvas.max_brush)
        strokes = [parse_stroke(stroke, palette, canvas) for stroke in case["strokes"]]
        label_map = raster.render(strokes, case["width"], case["height"])
        runs = raster.runs(label_map)
        out.append({
            **case,
            "sha256": raster.digest(label_map),
            "histogram": {str(k): v for k, v in raster.histogram(label_map).items()},
            "runs": runs if len(runs) <= MAX_RUNS else None,
        })
    return {
        "$comment": "Generated by `python -m tests.sketch_vectors` from server/pixelpatchwork/sketch/raster.py. "
        "Each case: strokes applied in order to an all-0 map of width x height; sha256 of the map's bytes in row order, "
        "pixels per label, and (when short) the map as [label, count] runs in row order.",
        "cases": out,
    }


def dumps(content: dict[str, Any]) -> str:
    """The file's text: one line per stroke, the runs on one line, so that changes diff well."""
    def compact(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    cases = []
    for case in content["cases"]:
        head = ", ".join(f"{compact(k)}: {compact(case[k])}" for k in ("name", "width", "height", "sha256", "histogram"))
        strokes = ",\n   ".join(compact(stroke) for stroke in case["strokes"])
        cases.append(f' {{{head},\n  "strokes": [\n   {strokes}],\n  "runs": {compact(case["runs"])}}}')
    return f'{{"$comment": {compact(content["$comment"])},\n"cases": [\n' + ",\n".join(cases) + "\n]}\n"


def main() -> None:
    PATH.write_text(dumps(build()), encoding="utf-8")
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
