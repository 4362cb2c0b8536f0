"""From a label map to what the model gets: the indexed PNG, the regions, the prompt, and the
offline painter's picture."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from pixelpatchwork.generation.offline import PAPER, render_sketch
from pixelpatchwork.sketch import paint
from pixelpatchwork.sketch.labels import load_labels
from pixelpatchwork.sketch.raster import new_map

SKY, GRASS, TREE = 157, 124, 169


def park_map() -> np.ndarray:
    label_map = new_map()
    label_map[:120, :] = SKY
    label_map[280:, :] = GRASS
    label_map[150:260, 380:480] = TREE
    return label_map


def test_label_png_decodes_to_the_same_ids_and_scales_by_whole_pixels() -> None:
    label_map = park_map()
    assert np.array_equal(paint.read_label_png(paint.label_png(label_map)), label_map)
    big = paint.label_image(label_map, scale=paint.SCALE)
    assert big.size == (1024, 768) and big.mode == "P"
    assert np.array_equal(np.array(big)[::2, ::2], label_map)
    sky_colour = load_labels().label(SKY).rgb
    assert big.convert("RGB").getpixel((10, 10)) == sky_colour


def test_a_label_png_must_be_indexed() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    try:
        paint.read_label_png(buffer.getvalue())
    except ValueError as exc:
        assert "indexed" in str(exc)
    else:
        raise AssertionError("an RGB picture is not a label map")


def test_regions_are_largest_first_with_where_they_lie() -> None:
    found = paint.regions(park_map())
    assert [r.label_id for r in found] == [SKY, GRASS, TREE]
    by_id = {r.label_id: r for r in found}
    assert by_id[SKY].where == "top" and by_id[GRASS].where == "bottom" and by_id[TREE].where == "middle right"
    assert abs(by_id[SKY].share - 120 / 384) < 1e-9
    assert paint.regions(new_map()) == []


def test_the_prompt_names_every_colour_and_the_style() -> None:
    found = paint.regions(park_map())
    text = paint.instructions(found, "watercolour")
    for region in found:
        assert f"- {region.color} = {region.name} (" in text
    assert text.endswith("Style: watercolour")
    assert "Style" not in paint.instructions(found, "")
    assert paint.summary(found, "watercolour") == "sky, grass, trees · watercolour"
    assert paint.clean_style(" a  b ") == "a b" and paint.clean_style(None) == "" and len(paint.clean_style("x" * 500)) == 200


def test_the_offline_painter_follows_the_map_with_soft_boundaries() -> None:
    picture_map = paint.label_image(park_map(), scale=paint.SCALE)
    first, second = render_sketch(picture_map), render_sketch(picture_map)
    assert first.size == (1024, 768) and first.tobytes() == second.tobytes(), "the same map gives the same pixels"
    pixels = np.asarray(first, dtype=np.int32)
    sky, grass = np.array(load_labels().label(SKY).rgb), np.array(load_labels().label(GRASS).rgb)
    # Deep inside a region the texture keeps to its label's colour family.
    assert np.abs(pixels[20:60, 20:200].mean(axis=(0, 1)) - sky).max() < 40
    assert np.abs(pixels[700:760, 20:200].mean(axis=(0, 1)) - grass).max() < 40
    assert np.abs(pixels[400:420, 20:200].mean(axis=(0, 1)) - np.array(PAPER)).max() < 40
    # Across the sky's edge (row 240 of the picture) colours blend over several pixels.
    column = pixels[230:251, 100]
    steps = np.abs(np.diff(column, axis=0)).sum(axis=1)
    assert steps.max() < np.abs(sky - np.array(PAPER)).sum() / 2, "no hard edge between regions"
