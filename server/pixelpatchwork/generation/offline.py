"""The offline generator: deterministic from prompt and mask, fast, and visibly not a model.

It paints the masked area with a pattern whose colours and shapes come from a hash of the
prompt and the mask, and stamps "OFFLINE RENDER" across it, so nobody mistakes it for an
image model's output.
"""

from __future__ import annotations

import asyncio
import hashlib
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .base import EditRequest, EditResult, ProgressCallback, Provider

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
