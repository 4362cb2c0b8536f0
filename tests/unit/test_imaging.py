"""Reading untrusted masks and images, compositing, and the offline generator."""

from __future__ import annotations

import base64
import io
import zlib
import struct

import pytest
from PIL import Image

from pixelpatchwork import imaging
from pixelpatchwork.generation.offline import render


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def rgba_mask(size: tuple[int, int], box: tuple[int, int, int, int] | None) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if box:
        image.paste((255, 255, 255, 255), box)
    return png(image)


def test_alpha_mask_is_read_as_binary_edit_area() -> None:
    mask = imaging.read_mask(rgba_mask((64, 32), (0, 0, 16, 32)), width=64, height=32, max_pixels=10_000)
    assert mask.image.mode == "L" and mask.image.size == (64, 32)
    assert mask.image.getpixel((5, 5)) == 255 and mask.image.getpixel((40, 5)) == 0
    assert mask.area == pytest.approx(0.25)


def test_mask_without_alpha_uses_luminance() -> None:
    image = Image.new("L", (10, 10), 0)
    image.paste(200, (0, 0, 5, 10))
    mask = imaging.read_mask(png(image), width=10, height=10, max_pixels=10_000)
    assert mask.area == pytest.approx(0.5)


def test_semi_transparent_pixels_are_thresholded() -> None:
    image = Image.new("RGBA", (4, 1), (0, 0, 0, 0))
    for x, alpha in enumerate([0, 127, 128, 255]):
        image.putpixel((x, 0), (255, 255, 255, alpha))
    mask = imaging.read_mask(png(image), width=4, height=1, max_pixels=100)
    assert [mask.image.getpixel((x, 0)) for x in range(4)] == [0, 0, 255, 255]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an image at all", "must be a PNG"),
        (b"\xff\xd8\xff\xe0" + b"JFIF" * 10, "must be a PNG"),
        (rgba_mask((32, 32), (0, 0, 5, 5)), "the seed is 64x32"),
        (rgba_mask((64, 32), None), "empty"),
        (rgba_mask((64, 32), (0, 0, 5, 5))[:60], "truncated"),
    ],
)
def test_bad_masks_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(imaging.ImageRejected) as refused:
        imaging.read_mask(data, width=64, height=32, max_pixels=10_000)
    assert refused.value.code == "invalid_mask"
    assert message in refused.value.message


def decompression_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: header plus a little compressed data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1000)
    return imaging.PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = decompression_bomb(60_000, 60_000)
    assert len(bomb) < 200
    with pytest.raises(imaging.ImageRejected) as refused:
        imaging.read_mask(bomb, width=60_000, height=60_000, max_pixels=16_777_216)
    assert "exceeds the limit" in refused.value.message


def test_data_url_must_be_png_base64() -> None:
    with pytest.raises(imaging.ImageRejected):
        imaging.decode_data_url("data:image/jpeg;base64,AAAA", max_bytes=100)
    with pytest.raises(imaging.ImageRejected):
        imaging.decode_data_url("data:image/png;base64,***", max_bytes=100)
    with pytest.raises(imaging.ImageRejected):
        imaging.decode_data_url("data:image/png;base64," + "A" * 1000, max_bytes=100)
    assert imaging.decode_data_url("data:image/png;base64," + base64.b64encode(b"hi").decode(), max_bytes=100) == b"hi"


def test_composite_changes_only_masked_pixels() -> None:
    seed = Image.new("RGB", (40, 20), (10, 20, 30))
    result = Image.new("RGB", (80, 40), (200, 100, 50))  # other size: resized onto the seed
    mask = Image.new("L", (40, 20), 0)
    mask.paste(255, (10, 5, 20, 15))
    out = imaging.composite(seed, result, mask)
    assert out.size == (40, 20)
    for x in range(40):
        for y in range(20):
            inside = 10 <= x < 20 and 5 <= y < 15
            assert out.getpixel((x, y)) == ((200, 100, 50) if inside else (10, 20, 30))


def test_openai_mask_is_transparent_where_the_edit_goes() -> None:
    mask = Image.new("L", (4, 4), 0)
    mask.putpixel((1, 1), 255)
    rgba = Image.open(io.BytesIO(imaging.to_openai_mask(mask)))
    assert rgba.mode == "RGBA"
    assert rgba.getpixel((1, 1))[3] == 0 and rgba.getpixel((0, 0))[3] == 255


def test_feathering_softens_inside_and_keeps_the_outside_exact() -> None:
    seed = Image.new("RGB", (60, 60), (0, 0, 0))
    result = Image.new("RGB", (60, 60), (255, 255, 255))
    mask = Image.new("L", (60, 60), 0)
    mask.paste(255, (10, 10, 50, 50))
    out = imaging.composite(seed, result, mask, feather_px=8)
    assert all(out.getpixel((x, y)) == (0, 0, 0) for x in range(60) for y in range(60) if not (10 <= x < 50 and 10 <= y < 50))
    assert out.getpixel((30, 30)) == (255, 255, 255)  # the middle is fully repainted
    edge = out.getpixel((10, 30))[0]
    assert 0 < edge < 255  # the edge blends


def test_offline_render_is_deterministic_and_depends_on_prompt() -> None:
    mask = Image.new("L", (128, 96), 0)
    mask.paste(255, (20, 20, 100, 80))
    a = render((128, 96), mask, b"a" * 32)
    assert a.tobytes() == render((128, 96), mask, b"a" * 32).tobytes()
    assert a.tobytes() != render((128, 96), mask, b"b" * 32).tobytes()


def test_default_seed_is_not_square() -> None:
    seed = imaging.default_seed()
    assert seed.size == (1024, 768)
