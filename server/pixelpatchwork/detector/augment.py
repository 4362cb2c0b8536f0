"""The ablations: each removes one suspected shortcut from what the detector can learn.

- ``grayscale`` (is it colour saturation?): every image, in training, evaluation and
  explanations alike, is reduced to its luma (ITU-R 601, as Pillow's "L") and fed as three
  equal channels, so no colour reaches the model.
- ``watermark`` (is it watermarks?): in training, half the images *of both classes* get a
  random watermark (a text line or a logo box, random place, size, colour and opacity), so a
  watermark no longer tells the classes apart.
- ``jpeg`` (is it image quality?): in training, half the images are re-encoded as JPEG at a
  random quality between 30 and 95.
- ``noise`` (is it image quality?): in training, half the images get Gaussian noise with a
  random standard deviation up to 0.05 (of the 0..1 range).

Training augmentations draw from a numpy generator seeded per epoch, so a run is repeatable.
Everything works on uint8 arrays of shape (H, W, 3).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, fields

import numpy as np
from PIL import Image, ImageDraw, ImageFont

AUGMENT_PROBABILITY = 0.5
JPEG_QUALITY = (30, 95)
NOISE_MAX_SIGMA = 0.05
WATERMARK_WORDS = ("© stock", "PREVIEW", "sample", "gallery", "ART", "© 2024", "shutter", "pixel", "DRAFT", "demo")


@dataclass(frozen=True)
class Ablations:
    """Which ablations a detector was trained with (stored in its checkpoint)."""

    grayscale: bool = False
    watermark: bool = False
    jpeg: bool = False
    noise: bool = False

    def names(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def describe(self) -> str:
        """'grayscale, jpeg' or 'none'."""
        return ", ".join(self.names()) or "none"

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> Ablations:
        known = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in values.items() if k in known})


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Luma (Pillow's "L" conversion) repeated in three channels."""
    luma = np.asarray(Image.fromarray(image).convert("L"), dtype=np.uint8)
    return np.repeat(luma[:, :, None], 3, axis=2)


def stamp_watermark(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The image with one random semi-transparent watermark: a word or a logo box."""
    height, width = image.shape[:2]
    base = Image.fromarray(image).convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
    alpha = int(rng.integers(90, 230))
    if rng.random() < 0.6:
        font_size = max(6, int(min(width, height) * rng.uniform(0.12, 0.3)))
        font = _font(font_size)
        text = str(rng.choice(WATERMARK_WORDS))
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        x = int(rng.integers(-left, max(-left + 1, width - right + 1)))
        y = int(rng.integers(-top, max(-top + 1, height - bottom + 1)))
        draw.text((x, y), text, font=font, fill=(*colour, alpha))
    else:
        side_w = max(3, int(width * rng.uniform(0.12, 0.3)))
        side_h = max(3, int(height * rng.uniform(0.08, 0.2)))
        x = int(rng.integers(0, max(1, width - side_w)))
        y = int(rng.integers(0, max(1, height - side_h)))
        draw.rectangle((x, y, x + side_w, y + side_h), outline=(*colour, alpha), width=max(1, side_h // 6))
        draw.line((x, y + side_h, x + side_w, y), fill=(*colour, alpha), width=1)
    return np.asarray(Image.alpha_composite(base, layer).convert("RGB"), dtype=np.uint8)


def jpeg_reencode(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"), dtype=np.uint8)


def add_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    noisy = image.astype(np.float32) / 255.0 + rng.normal(0.0, sigma, size=image.shape).astype(np.float32)
    return (np.clip(noisy, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def augment(image: np.ndarray, ablations: Ablations, rng: np.random.Generator) -> np.ndarray:
    """One training view of an image: watermark, JPEG and noise (each with probability 0.5,
    when its ablation is on), then grayscale (when on). Draws from rng in a fixed order."""
    draws = rng.random(3)
    if ablations.watermark and draws[0] < AUGMENT_PROBABILITY:
        image = stamp_watermark(image, rng)
    if ablations.jpeg and draws[1] < AUGMENT_PROBABILITY:
        image = jpeg_reencode(image, int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1)))
    if ablations.noise and draws[2] < AUGMENT_PROBABILITY:
        image = add_noise(image, float(rng.uniform(0.0, NOISE_MAX_SIGMA)), rng)
    return prepare(image, ablations)


def prepare(image: np.ndarray, ablations: Ablations) -> np.ndarray:
    """The deterministic part, used everywhere (training, evaluation, explanations)."""
    return to_grayscale(image) if ablations.grayscale else image


_FONTS: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if size not in _FONTS:
        try:
            _FONTS[size] = ImageFont.load_default(size=size)
        except (TypeError, OSError, ImportError):  # Pillow without FreeType: the fixed bitmap font
            _FONTS[size] = ImageFont.load_default()
    return _FONTS[size]
