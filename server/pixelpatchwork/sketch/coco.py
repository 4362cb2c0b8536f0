"""Sketch label maps as a COCO dataset, and back.

The export follows COCO-Stuff's own convention for stuff: **one annotation per label present
in an image** (all of that label's pixels, however many separate regions they form), with
`iscrowd` 0. Every segmentation is compressed RLE from `pycocotools.mask.encode` (on the
mask in Fortran order), never a polygon: RLE keeps holes and single pixels, so decoding the
annotations gives back exactly the label map. `area` is the label's pixel count and `bbox`
its tight box `[x, y, width, height]`. The categories are the room palette's labels, with
their COCO-Stuff ids (custom classes 201-255), names, supercategories and colours.

A dataset folder (`write_dataset`) holds:

| path | what |
|---|---|
| `annotations.json` | the COCO file (`images`, `annotations`, `categories`) |
| `labels/NAME.png` | each label map as an indexed PNG: pixel value = label id, palette = the label colours |
| `images/NAME.png` | each rendered picture, when there is one |

A rendered picture may be larger than the sketch by a whole factor k (the model paints
1024 x 768 from a 512 x 384 sketch: k = 2); the label map PNG and the annotations are then
scaled by k (each label pixel a k x k block) so that they line up with the picture, and
`label_map[::k, ::k]` of the decoded map is the sketch's map again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from ..domain.errors import invalid
from .labels import LabelSet, Palette
from .paint import label_image

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass
class SketchImage:
    """One sketch to export: its label map, a file name stem and optionally the picture painted from it."""

    name: str
    label_map: np.ndarray
    picture: Image.Image | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def encode(mask: np.ndarray) -> dict[str, Any]:
    """Compressed RLE of a 0/1 mask, JSON-ready: {"size": [height, width], "counts": str}."""
    rle = mask_utils.encode(np.asfortranarray(mask, dtype=np.uint8))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def to_rle(segmentation: Any, height: int, width: int) -> dict[str, Any]:
    """Any COCO segmentation (compressed or plain RLE, polygons) as one pycocotools RLE."""
    if isinstance(segmentation, list):
        return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), list):
        return mask_utils.frPyObjects(segmentation, height, width)
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), str | bytes):
        counts = segmentation["counts"]
        return {"size": list(segmentation["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    raise ValueError("a segmentation is a list of polygons or an RLE object {size, counts}")


def scale_map(label_map: np.ndarray, factor: int) -> np.ndarray:
    """The map with every pixel made a factor x factor block."""
    if factor == 1:
        return label_map
    return np.repeat(np.repeat(label_map, factor, axis=0), factor, axis=1)


def picture_scale(label_map: np.ndarray, picture: Image.Image | None) -> int:
    """The whole factor from the sketch's size to its picture's (1 without a picture)."""
    if picture is None:
        return 1
    height, width = label_map.shape
    factor = picture.width // width
    if factor < 1 or picture.width != width * factor or picture.height != height * factor:
        raise ValueError(
            f"the picture is {picture.width}x{picture.height}; it must be the sketch's {width}x{height} "
            "times a whole number"
        )
    return factor


def label_annotations(
    label_map: np.ndarray, image_id: int, palette: Palette, first_id: int = 1
) -> list[dict[str, Any]]:
    """One annotation per label in the map (0 left out), by label id, numbered from `first_id`.

    A label the palette lacks is refused (DomainError `sketch_unknown_label`)."""
    present = [int(v) for v in np.unique(label_map) if v != 0]
    missing = [v for v in present if v not in palette]
    if missing:
        raise invalid("sketch_unknown_label", f"the map has label(s) {missing}, which palette {palette.name!r} lacks")
    annotations = []
    for offset, label_id in enumerate(present):
        mask = label_map == label_id
        rle = encode(mask)
        binary = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
        annotations.append(
            {
                "id": first_id + offset,
                "image_id": image_id,
                "category_id": label_id,
                "segmentation": rle,
                "area": int(mask_utils.area(binary)),
                "bbox": [float(v) for v in mask_utils.toBbox(binary)],
                "iscrowd": 0,
            }
        )
    return annotations


def sketches_to_coco(sketches: Sequence[SketchImage], palette: Palette, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The COCO dataset of some sketches (image ids 1, 2, ... in order), as a dict ready for JSON."""
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id, sketch in enumerate(sketches, start=1):
        if not NAME.match(sketch.name):
            raise ValueError(f"{sketch.name!r} is not a usable file name (letters, digits, '.', '_', '-')")
        factor = picture_scale(sketch.label_map, sketch.picture)
        label_map = scale_map(sketch.label_map, factor)
        height, width = label_map.shape
        images.append(
            {
                "id": image_id,
                "width": width,
                "height": height,
                "file_name": f"images/{sketch.name}.png" if sketch.picture is not None else f"labels/{sketch.name}.png",
                "label_file": f"labels/{sketch.name}.png",
                "sketch_scale": factor,
                **sketch.extra,
            }
        )
        annotations.extend(label_annotations(label_map, image_id, palette, first_id=len(annotations) + 1))
    return {
        "info": {"description": "PixelPatchwork sketch label maps", "palette": palette.name, **(info or {})},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": palette.coco_categories(),
    }


def label_map_from_coco(dataset: dict[str, Any], image_id: int) -> np.ndarray:
    """The label map of one image, decoded from its annotations (pixel = category id, 0 elsewhere).

    Overlapping annotations or a category id above 255 are refused (ValueError): they cannot be
    one label map."""
    image = next((img for img in dataset["images"] if img["id"] == image_id), None)
    if image is None:
        raise ValueError(f"there is no image with id {image_id}")
    height, width = int(image["height"]), int(image["width"])
    label_map = np.zeros((height, width), dtype=np.uint8)
    covered = np.zeros((height, width), dtype=bool)
    for annotation in dataset["annotations"]:
        if annotation["image_id"] != image_id:
            continue
        category = int(annotation["category_id"])
        if not 0 < category <= 255:
            raise ValueError(f"annotation {annotation['id']}: category {category} does not fit a label map")
        mask = mask_utils.decode(to_rle(annotation["segmentation"], height, width)).astype(bool)
        if (covered & mask).any():
            raise ValueError(f"annotation {annotation['id']} overlaps another annotation of image {image_id}")
        covered |= mask
        label_map[mask] = category
    return label_map


def write_label_png(label_map: np.ndarray, path: Path, labels: LabelSet | None = None) -> None:
    """The map as an indexed PNG: pixel values are the label ids, the palette their colours."""
    label_image(label_map, labels).save(path, format="PNG")


def read_label_png(path: Path) -> np.ndarray:
    """A label map written by write_label_png (or any 8-bit indexed or grey PNG): the pixel values."""
    with Image.open(path) as image:
        if image.mode not in ("P", "L"):
            raise ValueError(f"{path.name} is a {image.mode} image; a label map is indexed (P) or grey (L)")
        return np.array(image, dtype=np.uint8)


def write_dataset(
    folder: Path,
    sketches: Sequence[SketchImage],
    palette: Palette,
    labels: LabelSet | None = None,
    info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the COCO dataset folder of some sketches (see the module's table); returns the COCO dict.

    The folder is created; one that already has an annotations.json is refused (FileExistsError)."""
    folder = Path(folder)
    if (folder / "annotations.json").exists():
        raise FileExistsError(f"{folder} already has an annotations.json")
    dataset = sketches_to_coco(sketches, palette, info)
    (folder / "labels").mkdir(parents=True, exist_ok=True)
    for sketch in sketches:
        factor = picture_scale(sketch.label_map, sketch.picture)
        write_label_png(scale_map(sketch.label_map, factor), folder / "labels" / f"{sketch.name}.png", labels)
        if sketch.picture is not None:
            (folder / "images").mkdir(exist_ok=True)
            sketch.picture.convert("RGB").save(folder / "images" / f"{sketch.name}.png", format="PNG")
    (folder / "annotations.json").write_text(json.dumps(dataset, separators=(",", ":")), encoding="utf-8")
    return dataset
