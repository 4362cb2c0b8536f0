"""Pillow work shared by the web layer and the generation pipeline: decoding untrusted
images safely, reading masks, compositing, thumbnails and the default seed."""

from __future__ import annotations

import base64
import binascii
import io
import math
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MASK_DATA_URL_PREFIX = "data:image/png;base64,"
THUMB_MAX_SIDE = 384
PREVIEW_MAX_SIDE = 256


class ImageRejected(ValueError):
    """An uploaded image or mask cannot be used; the message says why in plain words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Mask:
    """A binary edit mask: mode L, 255 where the model repaints, 0 where the seed stays."""

    image: Image.Image
    area: float  # share of the image's pixels inside the mask, 0..1

    def png(self) -> bytes:
        return encode_png(self.image)


def decode_data_url(value: str, *, max_bytes: int) -> bytes:
    """The bytes of a `data:image/png;base64,...` URL."""
    if not isinstance(value, str) or not value.startswith(MASK_DATA_URL_PREFIX):
        raise ImageRejected("invalid_mask", "the mask must be a data URL starting with data:image/png;base64,")
    encoded = value[len(MASK_DATA_URL_PREFIX) :]
    if len(encoded) > max_bytes * 4 // 3 + 4:
        raise ImageRejected("invalid_mask", f"the mask is larger than {max_bytes} bytes")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageRejected("invalid_mask", "the mask is not valid base64") from exc


def open_untrusted(data: bytes, *, max_pixels: int, allowed_formats: tuple[str, ...], code: str) -> Image.Image:
    """Open and fully decode an untrusted image, refusing bombs, truncation and other formats.

    The size is checked from the header before any pixel is decoded, so a small file that
    claims to be a gigapixel image never reaches memory.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=list(allowed_formats))
    except Image.DecompressionBombError as exc:
        raise ImageRejected(code, f"the image's size exceeds the limit of {max_pixels} pixels") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRejected(code, f"not a readable {'/'.join(allowed_formats)} image") from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImageRejected(code, f"image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels")
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected(code, "the image file is truncated or corrupt") from exc
    return image


def read_mask(data: bytes, *, width: int, height: int, max_pixels: int) -> Mask:
    """Parse a mask PNG for a seed of `width` x `height`: alpha (or luminance) above 127 is painted."""
    if not data.startswith(PNG_SIGNATURE):
        raise ImageRejected("invalid_mask", "the mask must be a PNG image")
    image = open_untrusted(data, max_pixels=max_pixels, allowed_formats=("PNG",), code="invalid_mask")
    if image.size != (width, height):
        raise ImageRejected(
            "invalid_mask", f"the mask is {image.width}x{image.height} but the seed is {width}x{height}; send a mask of the seed's size"
        )
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        channel = image.convert("RGBA").getchannel("A")
    else:
        channel = image.convert("L")
    binary = channel.point(lambda v: 255 if v > 127 else 0)
    histogram = binary.histogram()
    painted = histogram[255]
    if painted == 0:
        raise ImageRejected("invalid_mask", "the mask is empty: paint the area you want repainted")
    return Mask(image=binary, area=painted / (width * height))


def composite(seed: Image.Image, result: Image.Image, mask: Image.Image, feather_px: int = 0) -> Image.Image:
    """The seed with only the masked pixels taken from `result` (resized to the seed if needed).

    Feathering softens the edge inwards only, so pixels outside the mask stay exactly the seed's.
    """
    base = seed.convert("RGB")
    painted = result.convert("RGB")
    if painted.size != base.size:
        painted = painted.resize(base.size, Image.Resampling.LANCZOS)
    if feather_px > 0:
        mask = ImageChops.darker(mask, mask.filter(ImageFilter.GaussianBlur(feather_px / 2)))
    return Image.composite(painted, base, mask)


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes, compressed for speed over size (these are working files, not archives)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def thumbnail(image: Image.Image, max_side: int = THUMB_MAX_SIDE, fmt: str = "WEBP") -> bytes:
    """A small copy for galleries (WebP) or previews (JPEG)."""
    small = image.convert("RGB")
    small.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, format=fmt, quality=80)
    return buffer.getvalue()


def to_openai_mask(mask: Image.Image) -> bytes:
    """OpenAI's convention: an RGBA PNG whose fully transparent pixels mark the edit area."""
    alpha = ImageOps.invert(mask)
    rgba = Image.new("RGBA", mask.size, (0, 0, 0, 255))
    rgba.putalpha(alpha)
    return encode_png(rgba)


def mask_outline(mask: Image.Image) -> Image.Image:
    """A thin outline of the mask's edge (for before/after views)."""
    grown = mask.filter(ImageFilter.MaxFilter(5))
    return ImageChops.subtract(grown, mask)


def default_seed(width: int = 1024, height: int = 768) -> Image.Image:
    """The first seed of a new room: a calm landscape drawn from code, so no asset is needed."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    for y in range(horizon):
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(70 + 150 * t), int(130 + 90 * t), int(210 + 30 * t)))
    draw.ellipse([width * 0.70, height * 0.12, width * 0.82, height * 0.12 + width * 0.12], fill=(255, 224, 130))
    for layer, (colour, amplitude, base) in enumerate(
        [((96, 140, 110), 0.07, 0.52), ((70, 120, 80), 0.05, 0.60), ((48, 98, 60), 0.04, 0.70)]
    ):
        points = [(0, height)]
        for x in range(0, width + 16, 16):
            wave = math.sin(x / width * math.pi * (2 + layer) + layer) * amplitude
            points.append((x, int(height * (base + wave))))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    draw.rectangle([0, int(height * 0.86), width, height], fill=(60, 110, 150))
    return image


SEED_MAX_SIDE = 1536
SEED_DATA_URL = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/webp;base64,")


def read_seed(value: str, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """An uploaded seed (PNG, JPEG or WebP data URL): decoded safely, turned upright by its
    EXIF orientation, RGB, and at most SEED_MAX_SIDE pixels on its long side."""
    prefix = next((p for p in SEED_DATA_URL if isinstance(value, str) and value.startswith(p)), None)
    if prefix is None:
        raise ImageRejected("invalid_image", "upload a PNG, JPEG or WebP image")
    encoded = value[len(prefix):]
    if len(encoded) > max_bytes * 4 // 3 + 4:
        raise ImageRejected("invalid_image", f"the image is larger than {max_bytes} bytes")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageRejected("invalid_image", "the image is not valid base64") from exc
    image = open_untrusted(data, max_pixels=max_pixels, allowed_formats=("PNG", "JPEG", "WEBP"), code="invalid_image")
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((SEED_MAX_SIDE, SEED_MAX_SIDE), Image.Resampling.LANCZOS)
    return image
