"""Synthetic image sets for the detector's tests: two classes told apart by one known signal.

- ``saturation_set``: smooth random pictures whose *luma* follows the same distribution in
  both classes; "ai" pictures are strongly coloured, "human" ones nearly grey. The colour
  lies in the plane orthogonal to the luma weights (ITU-R 601, Pillow's "L"), so a grayscale
  copy of either class is the same kind of picture: only colour tells them apart.
- ``stamp_set``: smooth random colour pictures with noise; "ai" pictures carry a
  semi-transparent checkerboard stamp at a random place, whose box is returned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

LUMA = np.array([0.299, 0.587, 0.114])
_U = np.array([1.0, -1.0, 0.0]) - LUMA * (np.array([1.0, -1.0, 0.0]) @ LUMA) / (LUMA @ LUMA)
_U /= np.linalg.norm(_U)
_V = np.cross(LUMA, _U)
_V /= np.linalg.norm(_V)


def _smooth(rng: np.random.Generator, size: int, low: float, high: float, cells: int = 4) -> np.ndarray:
    small = rng.uniform(low, high, size=(cells, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((size, size), Image.Resampling.BILINEAR), dtype=np.float64)


def saturation_set(folder: Path, n: int, *, saturated: bool, size: int = 32, seed: int = 0) -> Path:
    """n PNGs in folder; saturated (ai) or nearly grey (human), same luma distribution."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        luma = _smooth(rng, size, 70, 185)
        hue = _smooth(rng, size, 0, 2 * np.pi, cells=2) + rng.uniform(0, 2 * np.pi)
        amplitude = rng.uniform(35, 55) if saturated else rng.uniform(0, 12)
        chroma = amplitude * (np.cos(hue)[..., None] * _U + np.sin(hue)[..., None] * _V)
        rgb = np.clip(np.rint(luma[..., None] + chroma), 0, 255).astype(np.uint8)
        Image.fromarray(rgb).save(folder / f"{k:03d}.png")
    return folder


def stamp_set(
    folder: Path, n: int, *, stamped: bool, size: int = 48, stamp: int = 12, opacity: float = 0.3, seed: int = 0
) -> dict[str, tuple[int, int, int, int]]:
    """n PNGs in folder; with ``stamped``, each has a black-and-white checkerboard of stamp x
    stamp pixels (2-pixel squares) at a random place, blended in at ``opacity`` like a
    semi-transparent watermark. Returns file name -> (left, top, right, bottom)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    boxes: dict[str, tuple[int, int, int, int]] = {}
    yy, xx = np.mgrid[0:stamp, 0:stamp]
    checker = (((yy // 2) + (xx // 2)) % 2) * 255.0
    for k in range(n):
        rgb = np.stack([_smooth(rng, size, 40, 215) for _ in range(3)], axis=2)
        rgb += rng.normal(0, 6, size=rgb.shape)
        name = f"{k:03d}.png"
        if stamped:
            x, y = (int(v) for v in rng.integers(0, size - stamp + 1, size=2))
            rgb[y : y + stamp, x : x + stamp, :] += (checker[..., None] - 127.5) * opacity
            boxes[name] = (x, y, x + stamp, y + stamp)
        Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8)).save(folder / name)
    return boxes
