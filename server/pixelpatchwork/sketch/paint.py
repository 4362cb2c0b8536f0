"""From a label map to what an image model is given: the map at the picture's size, and a prompt.

The picture is painted at `SCALE` times the sketch (1024 x 768 from the 512 x 384 canvas), each
label pixel becoming a SCALE x SCALE block, so the label map lines up with the picture exactly
(the COCO export relies on it). The prompt is built from the labels present, largest first, with
where each lies, and the room's optional style line.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .labels import LabelSet, load_labels

SCALE = 2
STYLE_MAX_CHARS = 200


@dataclass(frozen=True)
class Region:
    """One label present in a map: its share of the picture and roughly where it lies."""

    label_id: int
    name: str
    color: str
    share: float
    where: str


def label_image(label_map: np.ndarray, labels: LabelSet | None = None, scale: int = 1) -> Image.Image:
    """The map as an indexed image (pixel value = label id, palette = label colours), scaled by `scale`."""
    labels = labels or load_labels()
    if scale > 1:
        label_map = np.repeat(np.repeat(label_map, scale, axis=0), scale, axis=1)
    height, width = label_map.shape
    image = Image.frombytes("P", (width, height), np.ascontiguousarray(label_map, dtype=np.uint8).tobytes())
    image.putpalette([channel for rgb in labels.color_table() for channel in rgb])
    return image


def label_png(label_map: np.ndarray, labels: LabelSet | None = None) -> bytes:
    """The map as an indexed PNG, which decodes back to exactly the same label ids."""
    buffer = io.BytesIO()
    label_image(label_map, labels).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def read_label_png(data: bytes) -> np.ndarray:
    """The label ids of a PNG written by label_png."""
    with Image.open(io.BytesIO(data)) as image:
        if image.mode != "P":
            raise ValueError(f"a label map is an indexed PNG, not {image.mode}")
        return np.array(image, dtype=np.uint8)


def _where(rows: np.ndarray, cols: np.ndarray, height: int, width: int) -> str:
    vertical = ("top", "middle", "bottom")[min(2, int(3 * rows.mean() / height))]
    horizontal = ("left", "centre", "right")[min(2, int(3 * cols.mean() / width))]
    if vertical == "middle" and horizontal == "centre":
        return "centre"
    if rows.min() <= height * 0.05 and rows.max() >= height * 0.95 and cols.min() <= width * 0.05 and cols.max() >= width * 0.95:
        return "across the picture"
    return f"{vertical} {horizontal}" if horizontal != "centre" else vertical


def regions(label_map: np.ndarray, labels: LabelSet | None = None) -> list[Region]:
    """The labels present in the map (not the unlabelled background), largest first."""
    labels = labels or load_labels()
    height, width = label_map.shape
    found = []
    values, counts = np.unique(label_map, return_counts=True)
    for value, count in zip(values.tolist(), counts.tolist(), strict=True):
        if value == 0:
            continue
        label = labels.label(value)
        rows, cols = np.nonzero(label_map == value)
        found.append(Region(value, label.title.lower(), label.color, count / label_map.size, _where(rows, cols, height, width)))
    return sorted(found, key=lambda region: (-region.share, region.label_id))


def clean_style(raw: str | None) -> str:
    """The room's style line, trimmed (empty when none)."""
    return " ".join((raw or "").split())[:STYLE_MAX_CHARS]


def summary(found: list[Region], style: str) -> str:
    """A short caption for galleries: the labels, then the style line."""
    names = ", ".join(region.name for region in found[:8]) + (", ..." if len(found) > 8 else "")
    return f"{names} · {style}" if style else names


def instructions(found: list[Region], style: str) -> str:
    """The prompt for the image model, which gets the label map as its input picture."""
    lines = [
        "The input image is a semantic sketch (a label map): every flat colour marks the region where one kind "
        "of thing goes. Paint a complete, natural picture with exactly this composition, each region rendered "
        "as its label:",
    ]
    for region in found:
        lines.append(f"- {region.color} = {region.name} ({round(100 * region.share)}% of the picture, {region.where})")
    lines.append(
        "Black areas are unlabelled: fill them so they fit their surroundings. Do not show flat colours, "
        "outlines, labels or text."
    )
    if style:
        lines.append(f"Style: {style}")
    return "\n".join(lines)
