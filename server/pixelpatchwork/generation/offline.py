"""The offline generator: deterministic from prompt and mask, fast, and visibly not a model.

It paints the masked area with a pattern whose colours and shapes come from a hash of the
prompt and the mask, and stamps "OFFLINE RENDER" across it, so nobody mistakes it for an
image model's output.
"""

from __future__ import annotations

import asyncio
import hashlib
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .base import EditRequest, EditResult, ProgressCallback, Provider, SketchRequest

STEPS = 4


class OfflineProvider(Provider):
    name = "offline"
    model = "offline-pattern-v1"
    needs_context = False

    def __init__(self, step_delay_s: float = 0.05) -> None:
        self.step_delay_s = step_delay_s

    async def edit(self, request: EditRequest, progress: ProgressCallback) -> EditResult:
        digest = hashlib.sha256(request.prompt.encode("utf-8") + request.mask.tobytes()).digest()
        final = await asyncio.to_thread(render, request.seed.size, request.mask, digest)
        return await self._reveal(final, progress, digest)

    async def paint(self, request: SketchRequest, progress: ProgressCallback) -> EditResult:
        digest = hashlib.sha256(request.prompt.encode("utf-8") + request.label_map.tobytes()).digest()
        final = await asyncio.to_thread(render_sketch, request.label_map)
        return await self._reveal(final, progress, digest)

    async def _reveal(self, final: Image.Image, progress: ProgressCallback, digest: bytes) -> EditResult:
        for step in range(1, STEPS):
            await asyncio.sleep(self.step_delay_s)
            # Previews sharpen step by step, like a diffusion model's partial images.
            preview = await asyncio.to_thread(_preview, final, STEPS - step)
            await progress(step / STEPS, preview)
        await asyncio.sleep(self.step_delay_s)
        return EditResult(image=final, model=self.model, details={"seed": digest.hex()[:16]})


def _preview(image: Image.Image, blur_level: int) -> Image.Image:
    small = image.copy()
    small.thumbnail((256, 256))
    return small.filter(ImageFilter.GaussianBlur(blur_level * 3))


def render(size: tuple[int, int], mask: Image.Image, digest: bytes) -> Image.Image:
    """The offline picture for one request (pure: same inputs, same pixels)."""
    rng = random.Random(digest)
    width, height = size
    hue = digest[0] / 255.0
    base = _hsv(hue, 0.45, 0.85)
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    box = mask.getbbox() or (0, 0, width, height)
    x0, y0, x1, y1 = box
    span = max(x1 - x0, y1 - y0, 1)
    for _ in range(40):
        radius = rng.uniform(0.04, 0.18) * span
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        colour = _hsv((hue + rng.uniform(-0.15, 0.15)) % 1.0, rng.uniform(0.4, 0.9), rng.uniform(0.5, 1.0))
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=colour)
    stripe = max(6, span // 24)
    for offset in range(-height, width, stripe * 4):
        draw.line([(offset, 0), (offset + height, height)], fill=_hsv((hue + 0.5) % 1.0, 0.3, 0.95), width=2)
    _stamp(draw, box)
    return image


#: The colour of unlabelled parts of a sketch in the offline rendering: a neutral paper tone.
PAPER = (214, 208, 196)
#: How soft the boundaries between regions are (Gaussian blur radius, in pixels of the picture).
BOUNDARY_BLUR_PX = 6


def render_sketch(label_map: Image.Image) -> Image.Image:
    """The offline picture of a label map (P mode, palette = label colours): each label a
    deterministic texture around its colour, regions blended with soft boundaries, stamped
    "OFFLINE RENDER" (pure: same map, same pixels)."""
    ids = np.asarray(label_map, dtype=np.uint8)
    height, width = ids.shape
    palette = label_map.getpalette() or []
    total = np.zeros((height, width, 3), dtype=np.float32)
    weights = np.zeros((height, width), dtype=np.float32)
    for label in np.unique(ids).tolist():
        colour = PAPER if label == 0 else tuple(palette[3 * label : 3 * label + 3]) or PAPER
        region = Image.fromarray(((ids == label) * 255).astype(np.uint8), "L")
        weight = np.asarray(region.filter(ImageFilter.GaussianBlur(BOUNDARY_BLUR_PX)), dtype=np.float32) / 255.0
        total += weight[..., None] * _texture(label, colour, width, height)
        weights += weight
    picture = total / np.maximum(weights, 1e-6)[..., None]
    image = Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8), "RGB")
    _stamp(ImageDraw.Draw(image), (0, 0, width, height))
    return image


def _texture(label: int, colour: tuple[int, ...], width: int, height: int) -> np.ndarray:
    """A label's texture: its colour modulated by smooth noise at two scales, the same every time."""
    rng = np.random.default_rng(label)
    result = np.ones((height, width), dtype=np.float32)
    for cells, strength in ((24, 0.22), (4, 0.10)):
        noise = rng.random((max(2, height // cells), max(2, width // cells)), dtype=np.float32)
        smooth = Image.fromarray((noise * 255).astype(np.uint8), "L").resize((width, height), Image.Resampling.BICUBIC)
        result += (np.asarray(smooth, dtype=np.float32) / 255.0 - 0.5) * 2 * strength
    return np.asarray(colour[:3], dtype=np.float32)[None, None, :] * result[..., None]


def _stamp(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    size = max(14, min(48, (x1 - x0) // 9))
    font = ImageFont.load_default(size=size)
    label = "OFFLINE RENDER"
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    at = (cx - (right - left) / 2, cy - (bottom - top) / 2)
    draw.rectangle([at[0] - 6, at[1] - 4, at[0] + (right - left) + 6, at[1] + (bottom - top) + 10], fill=(20, 20, 20))
    draw.text(at, label, fill=(255, 255, 255), font=font)


def _hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return int(r * 255), int(g * 255), int(b * 255)
