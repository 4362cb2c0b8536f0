"""Checking a stroke as it arrives from a client, before it reaches the rasterizer.

A refused stroke raises DomainError (422) with a stable code and a message for a person:

| code | when |
|---|---|
| `sketch_invalid_stroke` | not an object, unknown fields, a wrong tool, points that are not `[x, y]` pairs of whole numbers, a fill with other than one point |
| `sketch_unknown_label` | a brush or fill label that the room's palette does not have |
| `sketch_bad_size` | a brush diameter that is not a whole number within the canvas limits |
| `sketch_point_outside` | a point off the canvas |
| `sketch_too_many_points` | more points than the canvas's `max_points` |
"""

from __future__ import annotations

from typing import Any

from ..domain.errors import DomainError, invalid
from .labels import Canvas, Palette, load_labels
from .raster import TOOLS, Stroke

FIELDS = frozenset({"tool", "label", "size", "points"})


def _whole(value: Any) -> bool:
    """A JSON whole number (booleans and floats are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_stroke(data: Any, palette: Palette, canvas: Canvas | None = None) -> Stroke:
    """A checked Stroke from JSON-decoded data, or DomainError saying what is wrong."""
    canvas = canvas or load_labels().canvas
    if not isinstance(data, dict):
        raise invalid("sketch_invalid_stroke", "a stroke is an object with tool, label, size and points")
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise invalid("sketch_invalid_stroke", f"unknown stroke field(s): {', '.join(unknown)}")
    tool = data.get("tool")
    if tool not in TOOLS:
        raise invalid("sketch_invalid_stroke", f"tool must be one of {', '.join(TOOLS)}")

    label = data.get("label", 0 if tool == "erase" else None)
    if tool == "erase":
        if label != 0 or not _whole(label):
            raise invalid("sketch_invalid_stroke", "an erase stroke has label 0 or none")
    elif not _whole(label):
        raise invalid("sketch_invalid_stroke", "label must be a label id (a whole number)")
    elif label not in palette:
        raise DomainError(
            422, "sketch_unknown_label", f"label {label} is not in the palette {palette.name!r}; choose one of its labels"
        )

    size = data.get("size", canvas.min_brush if tool == "fill" else None)
    if not _whole(size) or not canvas.min_brush <= size <= canvas.max_brush:
        raise invalid(
            "sketch_bad_size", f"size is the brush diameter: a whole number from {canvas.min_brush} to {canvas.max_brush}"
        )

    points = data.get("points")
    if not isinstance(points, list) or not points:
        raise invalid("sketch_invalid_stroke", "points must be a non-empty list of [x, y] pairs")
    if len(points) > canvas.max_points:
        raise invalid(
            "sketch_too_many_points", f"a stroke has at most {canvas.max_points} points; this one has {len(points)}"
        )
    if tool == "fill" and len(points) != 1:
        raise invalid("sketch_invalid_stroke", "a fill has exactly one point: where it starts")
    checked: list[tuple[int, int]] = []
    for index, point in enumerate(points):
        if not (isinstance(point, list) and len(point) == 2 and _whole(point[0]) and _whole(point[1])):
            raise invalid("sketch_invalid_stroke", f"points[{index}] must be [x, y] with whole numbers")
        x, y = point
        if not (0 <= x < canvas.width and 0 <= y < canvas.height):
            raise invalid(
                "sketch_point_outside",
                f"points[{index}] = [{x}, {y}] lies outside the {canvas.width}x{canvas.height} canvas "
                f"(x 0-{canvas.width - 1}, y 0-{canvas.height - 1})",
            )
        checked.append((x, y))
    return Stroke(tool=tool, label=label, size=size, points=tuple(checked))
