"""The sketch rasterizer: strokes in, a label map out, identical on every client and the server.

A **label map** is a 2-D numpy array of dtype uint8, `HEIGHT` rows by `WIDTH` columns
(512 x 384, from shared/labels.json's `canvas`: half the 1024 x 768 default seed, so a sketch
scales to it by exactly 2), holding one label id per pixel; 0 is unlabelled. Pixel (x, y) is
column x, row y, counted from the top left; flattened, it is byte `y * WIDTH + x`.

A **stroke** is `{tool, label, size, points}` (see `Stroke`; `validate.parse_stroke` checks
one): `points` are integer canvas coordinates, `size` the brush diameter in pixels.

The map of a sketch is the all-0 map with its strokes applied one after the other, in the
order the server gave them. Everything below uses integers only, so a TypeScript
implementation (client/src/sketch-raster.ts) reaches the same map pixel for pixel; the test
vectors in shared/sketch-vectors.json hold both to it.

**Disc of diameter d** (1 <= d <= 64). Let o = 1 when d is even, else 0. The disc is the set
of offsets (dx, dy) with -(d div 2) <= dx, dy <= (d - 1) div 2 and

    (2*dx + o)^2 + (2*dy + o)^2 <= d^2

(an odd disc is centred on its pixel, an even one on the corner above and left of it; d = 1
is one pixel, 2 a 2x2 block, 3 a 3x3 block, 4 a 4x4 block without its corners). In each row
dy the offsets form one run dx = a(dy)..b(dy), with a(dy) = -b(dy) - o.

**Segment** from (x0, y0) to (x1, y1), the points it passes: let n = max(|x1 - x0|, |y1 - y0|).
When n = 0 it is the one point (x0, y0); otherwise it is, for i = 0, 1, ..., n,

    (x0 + R(i * (x1 - x0), n), y0 + R(i * (y1 - y0), n)),   R(p, n) = floor((2p + n) / (2n))

(p / n rounded to the nearest integer, halves rounded up), so both ends are included and
consecutive points are 8-neighbours: an integer DDA line, exact with integer arithmetic.

**Centres of a stroke**: a one-point stroke has that point; a longer one, the points of the
segments between consecutive points (p0 to p1, p1 to p2, ...).

**brush**: every pixel (cx + dx, cy + dy) that lies on the canvas, for every centre (cx, cy)
of the stroke and every offset (dx, dy) of the disc of diameter `size`, becomes `label`.
Since all of them take the same value, the order in which they are set does not matter.
**erase**: the same with label 0. **fill**: the stroke has exactly one point p; when
map[p] already equals `label`, nothing changes; otherwise every pixel connected to p by a
path of horizontally or vertically adjacent pixels that all have the value map[p] (p
included) becomes `label` (a 4-connected flood fill); `size` plays no part.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Literal

import numpy as np

from .labels import load_labels

_CANVAS = load_labels().canvas
WIDTH: int = _CANVAS.width
HEIGHT: int = _CANVAS.height
MAX_POINTS: int = _CANVAS.max_points
MIN_BRUSH: int = _CANVAS.min_brush
MAX_BRUSH: int = _CANVAS.max_brush

Tool = Literal["brush", "erase", "fill"]
TOOLS: tuple[Tool, ...] = ("brush", "erase", "fill")


@dataclass(frozen=True)
class Stroke:
    """One checked stroke. `label` is 0 for erase; `size` is ignored by fill."""

    tool: Tool
    label: int
    size: int
    points: tuple[tuple[int, int], ...]

    @classmethod
    def from_dict(cls, data: dict) -> "Stroke":
        """A stroke from the server's own JSON of one (already checked when it was taken)."""
        return cls(tool=data["tool"], label=data["label"], size=data["size"], points=tuple((p[0], p[1]) for p in data["points"]))

    def as_dict(self) -> dict[str, object]:
        """The stroke as JSON-ready data (what the wire and shared/sketch-vectors.json carry)."""
        return {"tool": self.tool, "label": self.label, "size": self.size, "points": [list(p) for p in self.points]}


@dataclass(frozen=True)
class Box:
    """A rectangle of the map that a stroke may have changed: columns x..x+w-1, rows y..y+h-1."""

    x: int
    y: int
    w: int
    h: int


def new_map(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """An unlabelled (all 0) label map."""
    return np.zeros((height, width), dtype=np.uint8)


@cache
def disc_runs(size: int) -> tuple[tuple[int, int, int], ...]:
    """The disc of diameter `size` as rows (dy, a, b): offsets dx = a..b in row dy."""
    if size < 1:
        raise ValueError("a disc's diameter is at least 1")
    o = 1 - size % 2
    rows = []
    for dy in range(-(size // 2), (size - 1) // 2 + 1):
        rest = size * size - (2 * dy + o) ** 2
        b = None
        for dx in range((size - 1) // 2, -1, -1):
            if (2 * dx + o) ** 2 <= rest:
                b = dx
                break
        if b is not None:
            rows.append((dy, -b - o, b))
    return tuple(rows)


def disc_offsets(size: int) -> list[tuple[int, int]]:
    """Every (dx, dy) of the disc of diameter `size`, row by row."""
    return [(dx, dy) for dy, a, b in disc_runs(size) for dx in range(a, b + 1)]


def segment_points(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """The points of the segment from (x0, y0) to (x1, y1), both ends included, in order."""
    n = max(abs(x1 - x0), abs(y1 - y0))
    if n == 0:
        return [(x0, y0)]
    return [
        (x0 + (2 * i * (x1 - x0) + n) // (2 * n), y0 + (2 * i * (y1 - y0) + n) // (2 * n)) for i in range(n + 1)
    ]


def stroke_centres(points: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The centres of a stroke as two int64 arrays (xs, ys), repeats possible."""
    pts = np.asarray(points, dtype=np.int64).reshape(-1, 2)
    if len(pts) <= 1:
        return pts[:, 0].copy(), pts[:, 1].copy()
    start, delta = pts[:-1], pts[1:] - pts[:-1]
    n = np.abs(delta).max(axis=1)
    counts = n + 1
    segment = np.repeat(np.arange(len(n)), counts)
    i = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    steps = np.maximum(n, 1)[segment]
    xs = start[segment, 0] + (2 * i * delta[segment, 0] + steps) // (2 * steps)
    ys = start[segment, 1] + (2 * i * delta[segment, 1] + steps) // (2 * steps)
    return xs, ys


def brush_coverage(
    points: tuple[tuple[int, int], ...] | list[tuple[int, int]], size: int, width: int, height: int
) -> tuple[Box, np.ndarray] | None:
    """The pixels a brush stroke covers: a box of the canvas and a bool array of that box.

    The union of discs is computed as a dilation: per disc row, a window sum over prefix sums
    of each row of centres, so the cost does not grow with the number of points."""
    xs, ys = stroke_centres(points)
    if len(xs) == 0:
        return None
    if xs.min() < 0 or ys.min() < 0 or xs.max() >= width or ys.max() >= height:
        raise ValueError("a stroke's points lie on the canvas (validate.parse_stroke checks them)")
    reach_before, reach_after = size // 2, (size - 1) // 2
    x0 = max(0, int(xs.min()) - reach_before)
    y0 = max(0, int(ys.min()) - reach_before)
    x1 = min(width - 1, int(xs.max()) + reach_after)
    y1 = min(height - 1, int(ys.max()) + reach_after)
    w, h = x1 - x0 + 1, y1 - y0 + 1
    centres = np.zeros((h, w), dtype=np.int32)
    centres[ys - y0, xs - x0] = 1
    prefix = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(centres, axis=1, out=prefix[:, 1:])
    columns = np.arange(w)
    covered = np.zeros((h, w), dtype=bool)
    by_run: dict[tuple[int, int], np.ndarray] = {}
    for dy, a, b in disc_runs(size):
        rows = by_run.get((a, b))
        if rows is None:
            # Pixel x of row r is covered by this disc row when a centre of row r lies in x-b..x-a.
            lo = np.clip(columns - b, 0, w)
            hi = np.clip(columns - a + 1, 0, w)
            rows = by_run[(a, b)] = (prefix[:, hi] - prefix[:, lo]) > 0
        if dy >= 0:
            if dy < h:
                covered[dy:] |= rows[: h - dy]
        elif -dy < h:
            covered[:dy] |= rows[-dy:]
    return Box(x0, y0, w, h), covered


def flood_fill(label_map: np.ndarray, x: int, y: int, value: int) -> Box | None:
    """Set the 4-connected region of map[y, x]'s value around (x, y) to `value`, in place.

    Works on horizontal runs: the region is the set of runs reachable from the clicked one
    through runs of the next or previous row that share a column. Returns the region's box,
    or None when nothing changed."""
    height, width = label_map.shape
    target = label_map[y, x]
    if target == value:
        return None
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = label_map == target
    edges = np.diff(padded, axis=1)
    start_rows, start_cols = np.nonzero(edges == 1)
    _, end_cols = np.nonzero(edges == -1)
    first = np.searchsorted(start_rows, np.arange(height + 1)).tolist()
    starts, ends, rows = start_cols.tolist(), end_cols.tolist(), start_rows.tolist()
    here = bisect_right(starts, x, first[y], first[y + 1]) - 1
    seen = bytearray(len(starts))
    seen[here] = 1
    todo = [here]
    found = [here]
    while todo:
        run = todo.pop()
        row, s, e = rows[run], starts[run], ends[run]
        for other in (row - 1, row + 1):
            if 0 <= other < height:
                lo, hi = first[other], first[other + 1]
                for j in range(bisect_right(ends, s, lo, hi), bisect_left(starts, e, lo, hi)):
                    if not seen[j]:
                        seen[j] = 1
                        todo.append(j)
                        found.append(j)
    picked = np.asarray(found, dtype=np.int64)
    lengths = end_cols[picked] - start_cols[picked]
    fill_rows = np.repeat(start_rows[picked], lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    fill_cols = np.repeat(start_cols[picked], lengths) + offsets
    label_map[fill_rows, fill_cols] = value
    bx0, bx1 = int(start_cols[picked].min()), int(end_cols[picked].max())
    by0, by1 = int(start_rows[picked].min()), int(start_rows[picked].max())
    return Box(bx0, by0, bx1 - bx0, by1 - by0 + 1)


def apply_stroke(label_map: np.ndarray, stroke: Stroke) -> Box | None:
    """Apply one stroke to the map in place; returns the box it may have changed (None: nothing)."""
    height, width = label_map.shape
    if stroke.tool == "fill":
        [(x, y)] = stroke.points
        return flood_fill(label_map, x, y, stroke.label)
    coverage = brush_coverage(stroke.points, stroke.size, width, height)
    if coverage is None:
        return None
    box, covered = coverage
    value = 0 if stroke.tool == "erase" else stroke.label
    label_map[box.y : box.y + box.h, box.x : box.x + box.w][covered] = value
    return box


def render(strokes: list[Stroke], width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """The label map of a sketch: its strokes applied in order to an unlabelled map."""
    label_map = new_map(width, height)
    for stroke in strokes:
        apply_stroke(label_map, stroke)
    return label_map


def digest(label_map: np.ndarray) -> str:
    """SHA-256 (hex) of the map's bytes in row order: equal digests, equal maps."""
    return hashlib.sha256(np.ascontiguousarray(label_map, dtype=np.uint8).tobytes()).hexdigest()


def runs(label_map: np.ndarray) -> list[list[int]]:
    """The map in row order as [label, count] runs (rows run on into the next)."""
    flat = np.ascontiguousarray(label_map).ravel()
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    return [[int(flat[s]), int(e - s)] for s, e in pairwise(bounds.tolist())]


def histogram(label_map: np.ndarray) -> dict[int, int]:
    """Pixels per label id present in the map."""
    values, counts = np.unique(label_map, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts, strict=True)}
