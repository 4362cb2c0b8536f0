"""Small line charts on the unit square, drawn with Pillow (no plotting library needed):
ROC curves and reliability diagrams."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PALETTE = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)
WIDTH, HEIGHT = 640, 560
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 30, 50, 110


@dataclass
class Series:
    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    colour: tuple[int, int, int] = PALETTE[0]
    markers: Sequence[float] = field(default_factory=list)  # marker radii per point; empty: a plain line


def colour(index: int) -> tuple[int, int, int]:
    return PALETTE[index % len(PALETTE)]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def chart(
    path: Path,
    title: str,
    series: Sequence[Series],
    *,
    xlabel: str,
    ylabel: str,
    diagonal: str | None = None,
    bars: Sequence[tuple[float, float, int]] = (),
) -> None:
    """A chart with both axes 0..1: the series, a dashed diagonal labelled ``diagonal`` (when
    given), and ``bars`` (low, high, count) as a small histogram along the bottom. PNG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    small, normal = _font(12), _font(15)
    left, top = MARGIN_LEFT, MARGIN_TOP
    right, bottom = WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * (right - left), bottom - y * (bottom - top)

    draw.text((left, 8), title, fill="black", font=normal)
    for k in range(6):
        v = k / 5
        gx, gy = at(v, v)
        draw.line((gx, top, gx, bottom), fill=(230, 230, 230))
        draw.line((left, gy, right, gy), fill=(230, 230, 230))
        draw.text((gx, bottom + 6), f"{v:.1f}", fill="black", font=small, anchor="mt")
        draw.text((left - 6, gy), f"{v:.1f}", fill="black", font=small, anchor="rm")
    draw.rectangle((left, top, right, bottom), outline="black")
    draw.text(((left + right) / 2, bottom + 26), xlabel, fill="black", font=small, anchor="mt")
    draw.text((8, top - 22), ylabel, fill="black", font=small)
    if bars:
        most = max(count for _, _, count in bars) or 1
        for low, high, count in bars:
            if count:
                x0, _ = at(low, 0)
                x1, _ = at(high, 0)
                height = 0.18 * (bottom - top) * count / most
                draw.rectangle((x0 + 1, bottom - height, x1 - 1, bottom), fill=(215, 215, 235))
    if diagonal is not None:
        x0, y0 = at(0, 0)
        x1, y1 = at(1, 1)
        steps = 40
        for k in range(0, steps, 2):
            draw.line(
                (x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps, x0 + (x1 - x0) * (k + 1) / steps, y0 + (y1 - y0) * (k + 1) / steps),
                fill=(120, 120, 120),
            )
    legend: list[tuple[str, tuple[int, int, int]]] = []
    for line in series:
        points = [at(x, y) for x, y in zip(line.xs, line.ys, strict=True) if not (math.isnan(x) or math.isnan(y))]
        if len(points) > 1:
            draw.line(points, fill=line.colour, width=2, joint="curve")
        for (px, py), radius in zip(points, line.markers, strict=False):
            draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=line.colour)
        legend.append((line.label, line.colour))
    if diagonal is not None:
        legend.append((diagonal, (120, 120, 120)))
    for k, (label, rgb) in enumerate(legend[:12]):
        column, row = divmod(k, 4)
        lx, ly = left + column * 190, bottom + 48 + row * 15
        draw.line((lx, ly + 6, lx + 18, ly + 6), fill=rgb, width=3)
        draw.text((lx + 24, ly), label[:26], fill="black", font=small)
    image.save(path, format="PNG")
